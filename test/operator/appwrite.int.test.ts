/**
 * The audit and clean suites against the Appwrite adapter talking to the
 * Appwrite-compatible test server (one fresh server per test).
 */
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import { startAppwriteTestServer } from "../support/appwrite-server/index.js";
import { appwriteSettingsFor, FAST_OPTIONS } from "../support/appwrite-server/settings.js";
import { describeAuditSuite } from "./support/audit-suite.js";
import { describeCleanSuite } from "./support/clean-suite.js";
import { corruptedDataset } from "./support/dataset.js";
import type { StoreCase } from "./support/stores.js";

const appwrite: StoreCase = {
  name: "appwrite",
  async create() {
    const server = await startAppwriteTestServer();
    const stores = createAppwriteStores(appwriteSettingsFor(server), FAST_OPTIONS);
    return {
      ...stores,
      async close() {
        await stores.close();
        await server.close();
      },
    };
  },
  // The server enforces the 5000-character column, as Appwrite does.
  dataset: () => corruptedDataset({ withOversize: false }),
};

describeAuditSuite(appwrite);
describeCleanSuite(appwrite);
