/** The store contract, run against the Appwrite adapter talking to the Appwrite-compatible test server. */
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import { startAppwriteTestServer } from "../support/appwrite-server/index.js";
import { appwriteSettingsFor, FAST_OPTIONS } from "../support/appwrite-server/settings.js";
import { describeStoreContract } from "./contract.js";

describeStoreContract("appwrite", async () => {
  const server = await startAppwriteTestServer();
  return {
    stores: createAppwriteStores(appwriteSettingsFor(server), FAST_OPTIONS),
    cleanup: () => server.close(),
  };
});
