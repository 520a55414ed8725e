/**
 * Picks and creates the store from settings. The embedded SQLite store is the
 * default; Appwrite is used exactly when APPWRITE_ENDPOINT is set (see
 * `storeSettings`). Nothing is opened at import time.
 */
import { storeSettings, type StoreSettings } from "../config/env.js";
import { deferStores } from "./deferred.js";
import type { Stores } from "./ports.js";
import { createSqliteStores } from "./sqlite/index.js";

export type * from "./ports.js";
export * from "./errors.js";

/** Stores for `settings`. The Appwrite SDK is loaded on the first call, not here. */
export function createStores(settings: StoreSettings): Stores {
  switch (settings.kind) {
    case "sqlite":
      return createSqliteStores(settings.path);
    case "appwrite":
      return deferStores("appwrite", async () =>
        (await import("./appwrite/index.js")).createAppwriteStores(settings),
      );
  }
}

let defaultStores: Stores | undefined;

/**
 * The process's stores, configured from the environment on the first call and
 * shared after. Closing them (by either function) lets the next call create new ones.
 */
export function getDefaultStores(): Stores {
  if (defaultStores !== undefined) return defaultStores;
  const created = createStores(storeSettings());
  const shared: Stores = {
    ...created,
    async close() {
      if (defaultStores === shared) defaultStores = undefined;
      await created.close();
    },
  };
  defaultStores = shared;
  return shared;
}

/** Closes the default stores (if they were created); the next `getDefaultStores` creates new ones. */
export async function closeDefaultStores(): Promise<void> {
  await defaultStores?.close();
}
