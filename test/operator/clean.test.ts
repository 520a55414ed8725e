import { describeCleanSuite } from "./support/clean-suite.js";
import { STORE_CASES } from "./support/stores.js";

for (const storeCase of STORE_CASES) describeCleanSuite(storeCase);
