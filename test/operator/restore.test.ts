import { describeRestoreSuite } from "./support/restore-suite.js";
import { STORE_CASES } from "./support/stores.js";

for (const storeCase of STORE_CASES) describeRestoreSuite(storeCase);
