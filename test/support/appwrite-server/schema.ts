/**
 * Table definitions, read from the project's `appwrite.json` (the Appwrite CLI
 * configuration an operator provisions with), and Appwrite's column rules:
 * required columns, sizes, types, unknown columns. Testing against the
 * provisioning file means the tests also check what gets provisioned.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { apiErrors } from "./errors.js";

const ColumnSchema = z.discriminatedUnion("type", [
  z.looseObject({
    key: z.string(),
    type: z.literal("string"),
    required: z.boolean(),
    size: z.int().positive(),
  }),
  z.looseObject({
    key: z.string(),
    type: z.literal("integer"),
    required: z.boolean(),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  // A float column: the Appwrite CLI's name for it in appwrite.json (it refuses "float").
  z.looseObject({ key: z.string(), type: z.literal("double"), required: z.boolean() }),
  z.looseObject({ key: z.string(), type: z.literal("boolean"), required: z.boolean() }),
  z.looseObject({ key: z.string(), type: z.literal("datetime"), required: z.boolean() }),
]);

const IndexSchema = z.looseObject({
  key: z.string(),
  type: z.enum(["key", "unique", "fulltext"]),
  columns: z.array(z.string()).min(1),
});

const TableSchema = z.looseObject({
  $id: z.string(),
  databaseId: z.string(),
  columns: z.array(ColumnSchema),
  indexes: z.array(IndexSchema),
});

const ProjectConfigSchema = z.looseObject({
  tablesDB: z.array(z.looseObject({ $id: z.string() })).min(1),
  tables: z.array(TableSchema),
});

export type ColumnDefinition = z.infer<typeof ColumnSchema>;
export type IndexDefinition = z.infer<typeof IndexSchema>;
export type TableDefinition = z.infer<typeof TableSchema>;

/** The repository's provisioning file. */
export const PROJECT_CONFIG_URL = new URL("../../../appwrite.json", import.meta.url);

/** Tables of `databaseId` in an Appwrite CLI project configuration file. */
export function loadTableDefinitions(
  configPath: URL | string,
  databaseId: string,
): TableDefinition[] {
  const config = ProjectConfigSchema.parse(JSON.parse(readFileSync(configPath, "utf8")));
  return config.tables.filter((table) => table.databaseId === databaseId);
}

/** The metadata keys Appwrite strips from written data rather than storing. */
const METADATA_KEYS = new Set([
  "$id",
  "$sequence",
  "$tableId",
  "$databaseId",
  "$createdAt",
  "$updatedAt",
  "$permissions",
]);

/**
 * Checks a full row's column values the way Appwrite's structure validator
 * does and writes them, normalized (datetimes as Appwrite returns them, unset
 * columns as null), into `target`. Throws a 400 `row_invalid_structure`.
 */
export function validateColumns<T extends Record<string, unknown>>(
  table: TableDefinition,
  data: Record<string, unknown>,
  target: T,
): T {
  for (const key of Object.keys(data)) {
    if (!METADATA_KEYS.has(key) && !table.columns.some((column) => column.key === key)) {
      throw apiErrors.invalidStructure(`Unknown attribute: "${key}"`);
    }
  }
  const values: Record<string, unknown> = target;
  for (const column of table.columns) {
    const value = data[column.key];
    if (value === undefined || value === null) {
      if (column.required)
        throw apiErrors.invalidStructure(`Missing required attribute "${column.key}"`);
      values[column.key] = null;
    } else {
      values[column.key] = validateValue(column, value);
    }
  }
  return target;
}

function invalidType(column: ColumnDefinition, expectation: string) {
  return apiErrors.invalidStructure(
    `Attribute "${column.key}" has invalid type. Value must be ${expectation}`,
  );
}

function validateValue(column: ColumnDefinition, value: unknown): unknown {
  switch (column.type) {
    case "string":
      // Appwrite counts characters (mb_strlen), not UTF-16 code units; there are never more
      // characters than code units, so only a string longer in units needs counting.
      if (
        typeof value !== "string" ||
        (value.length > column.size && [...value].length > column.size)
      ) {
        throw invalidType(column, `a valid string and no longer than ${column.size} chars`);
      }
      return value;
    case "integer": {
      const min = column.min ?? Number.MIN_SAFE_INTEGER;
      const max = column.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw invalidType(column, `a valid integer between ${min} and ${max}`);
      }
      return value;
    }
    case "double":
      if (typeof value !== "number" || !Number.isFinite(value))
        throw invalidType(column, "a valid float");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw invalidType(column, "a valid boolean value");
      return value;
    case "datetime": {
      const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(ms)) throw invalidType(column, "a valid date in ISO 8601 format");
      return formatDatetime(ms);
    }
  }
}

/** Appwrite's datetime format: milliseconds and an explicit UTC offset. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** Appwrite's custom ID rule: up to 36 of `a-zA-Z0-9._-`, not starting with a special character. */
export function isValidRowId(id: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$/.test(id);
}
