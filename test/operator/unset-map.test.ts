import { STORE_CASES } from "./support/stores.js";
import { describeUnsetMapSuite } from "./support/unset-map-suite.js";

for (const storeCase of STORE_CASES) describeUnsetMapSuite(storeCase);
