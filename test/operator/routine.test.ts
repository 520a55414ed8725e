import { describeRoutineSuite } from "./support/routine-suite.js";
import { STORE_CASES } from "./support/stores.js";

for (const storeCase of STORE_CASES) describeRoutineSuite(storeCase);
