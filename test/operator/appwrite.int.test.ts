/**
 * The audit, clean and restore suites against the Appwrite adapter talking to the
 * Appwrite-compatible test server (one fresh server per test).
 */
import { createAppwriteStores } from "../../src/stores/appwrite/index.js";
import type { Stores } from "../../src/stores/ports.js";
import {
  startAppwriteTestServer,
  type AppwriteTestServer,
} from "../support/appwrite-server/index.js";
import { appwriteSettingsFor, FAST_OPTIONS } from "../support/appwrite-server/settings.js";
import { describeAuditSuite } from "./support/audit-suite.js";
import { describeCleanSuite } from "./support/clean-suite.js";
import { corruptedDataset } from "./support/dataset.js";
import { describeRestoreSuite } from "./support/restore-suite.js";
import { describeRoutineSuite } from "./support/routine-suite.js";
import type { StoreCase } from "./support/stores.js";
import { describeUnsetMapSuite } from "./support/unset-map-suite.js";

/** The server behind each store `appwrite.create()` made, for raw seeding. */
const servers = new WeakMap<Stores, AppwriteTestServer>();

const appwrite: StoreCase = {
  name: "appwrite",
  async create() {
    const server = await startAppwriteTestServer();
    const stores = createAppwriteStores(appwriteSettingsFor(server), FAST_OPTIONS);
    const withServer: Stores = {
      ...stores,
      async close() {
        await stores.close();
        await server.close();
      },
    };
    servers.set(withServer, server);
    return withServer;
  },
  // The server enforces the 5000-character column, as Appwrite does.
  dataset: () => corruptedDataset({ withOversize: false }),
};

describeAuditSuite(appwrite);
describeCleanSuite(appwrite);
describeRestoreSuite(appwrite);
describeRoutineSuite(appwrite);
// Put back through the adapter's restore (a bulk upsert of null)...
describeUnsetMapSuite(appwrite);
// ...and as a legacy row written outside the adapter: no `revision`, the column simply left unset.
describeUnsetMapSuite(
  { ...appwrite, name: "appwrite (legacy row seeded raw)" },
  {
    async seedUnset(stores, record) {
      const columns: Record<string, unknown> = { ...record };
      delete columns.emaByOutcome;
      servers.get(stores)!.seedRows("MasteryV2", [columns]);
    },
  },
);
