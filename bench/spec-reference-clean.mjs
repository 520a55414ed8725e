/**
 * The spec's Phase 3 reference script, `clean-mastery-empty-keys.ts`, on
 * TablesDB, as written there (its `|| '{}'` and per-record catch included:
 * this is the reference being measured, not code of this project); only its
 * console logging is left out. Sequential pages of 100, one `updateRow` per
 * dirty record, node-appwrite's stock client.
 *
 * Plain JavaScript, so that run as its own process (`node
 * bench/spec-reference-clean.mjs`, the Appwrite environment as for the CLI)
 * it starts as fast as node allows: the end-to-end benchmark charges process
 * start to both sides, and this side pays no TypeScript loader.
 * `bench/mastery.ts` calls `specReferenceClean` in its own child processes.
 */
import process from "node:process";
import { fileURLToPath } from "node:url";

const SPEC_PAGE_SIZE = 100;

/**
 * @param {import("node-appwrite").TablesDB} tables
 * @param {{ databaseId: string, tableId: string }} table
 * @param {typeof import("node-appwrite").Query} Query
 * @returns {Promise<number>} the records seen
 */
export async function specReferenceClean(tables, table, Query) {
  let cursor = null;
  let seen = 0;
  let cleanedCount = 0;
  let errorCount = 0;
  do {
    const batch = await tables.listRows({
      ...table,
      queries: [Query.limit(SPEC_PAGE_SIZE), ...(cursor ? [Query.cursorAfter(cursor)] : [])],
    });
    seen += batch.rows.length;
    for (const record of batch.rows) {
      try {
        const emaByOutcome = JSON.parse(record.emaByOutcome || "{}");
        if ("" in emaByOutcome) {
          const cleaned = { ...emaByOutcome };
          delete cleaned[""];
          if (Object.keys(cleaned).length === 0) continue;
          await tables.updateRow({
            ...table,
            rowId: record.$id,
            data: { emaByOutcome: JSON.stringify(cleaned), updatedAt: new Date().toISOString() },
          });
          cleanedCount++;
        }
      } catch {
        errorCount++;
      }
    }
    cursor = batch.rows.length === SPEC_PAGE_SIZE ? (batch.rows.at(-1)?.$id ?? null) : null;
  } while (cursor);
  if (errorCount > 0)
    throw new Error(`the reference script hit ${errorCount} errors (${cleanedCount} cleaned)`);
  return seen;
}

/** Run as a program: the MasteryV2 table of the Appwrite the environment names; prints `{"seen":n}`. */
async function main() {
  const { Client, Query, TablesDB } = await import("node-appwrite");
  const env = (name) => {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`${name} is not set`);
    return value;
  };
  const tables = new TablesDB(
    new Client()
      .setEndpoint(env("APPWRITE_ENDPOINT"))
      .setProject(env("APPWRITE_PROJECT_ID"))
      .setKey(env("APPWRITE_API_KEY")),
  );
  const table = { databaseId: env("APPWRITE_DATABASE_ID"), tableId: "MasteryV2" };
  process.stdout.write(
    `${JSON.stringify({ seen: await specReferenceClean(tables, table, Query) })}\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
