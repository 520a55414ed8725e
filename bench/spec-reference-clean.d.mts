import type { Query, TablesDB } from "node-appwrite";

/** See spec-reference-clean.mjs. Returns the records seen. */
export function specReferenceClean(
  tables: TablesDB,
  table: { databaseId: string; tableId: string },
  query: typeof Query,
): Promise<number>;
