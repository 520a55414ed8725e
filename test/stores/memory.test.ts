import { createMemoryStores } from "../../src/stores/memory/index.js";
import { describeStoreContract } from "./contract.js";

describeStoreContract("memory", async () => ({ stores: createMemoryStores() }));
