import { describeAuditSuite } from "./support/audit-suite.js";
import { STORE_CASES } from "./support/stores.js";

for (const storeCase of STORE_CASES) describeAuditSuite(storeCase);
