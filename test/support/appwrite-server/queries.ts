/**
 * Appwrite 1.8's JSON query strings (`{"method":"equal","attribute":"courseId","values":["c1"]}`),
 * as `Query.*` of node-appwrite produces them. Supported: equal (an array of
 * values means "any of"), greaterThan, orderAsc, limit (default 25, as
 * Appwrite), offset, cursorAfter, select (only the named attributes come back,
 * system ones included: Appwrite removes the internal attributes a select does
 * not name). Anything else is refused loudly rather than ignored.
 */
import { z } from "zod";
import { apiErrors } from "./errors.js";
import type { TableDefinition } from "./schema.js";

export interface ListQuery {
  equals: Array<{ attribute: string; values: unknown[] }>;
  greaterThan: Array<{ attribute: string; value: string | number }>;
  orderAsc?: string;
  limit: number;
  offset: number;
  cursorAfter?: string;
  /** The attributes each row returns; undefined (or `*`) for all. */
  select?: string[];
}

/** Appwrite's page size when no `limit` query is given. */
export const DEFAULT_LIMIT = 25;
/** Appwrite counts `total` up to this many rows (APP_LIMIT_COUNT); `limit` itself has no upper bound. */
export const MAX_COUNT = 5000;
/** Appwrite refuses an `equal` with more values than this. */
export const MAX_QUERY_VALUES = 100;

const SYSTEM_ATTRIBUTES = new Set(["$id", "$sequence", "$createdAt", "$updatedAt"]);
/** What a select may name besides the columns and the attributes queries filter on. */
const SELECTABLE_SYSTEM_ATTRIBUTES = new Set([
  ...SYSTEM_ATTRIBUTES,
  "$permissions",
  "$tableId",
  "$databaseId",
]);

const QuerySchema = z.object({
  method: z.string(),
  attribute: z.string().optional(),
  values: z.array(z.unknown()).optional(),
});

/** `defaultLimit`: the rows without a `limit` query (a list pages by 25; a bulk delete takes all). */
export function parseQueries(
  raw: readonly string[],
  table: TableDefinition,
  defaultLimit = DEFAULT_LIMIT,
): ListQuery {
  const query: ListQuery = { equals: [], greaterThan: [], limit: defaultLimit, offset: 0 };
  const columns = new Set(table.columns.map((column) => column.key));
  const attributeOf = (parsed: z.infer<typeof QuerySchema>): string => {
    const attribute = parsed.attribute;
    if (attribute === undefined || !(columns.has(attribute) || SYSTEM_ATTRIBUTES.has(attribute))) {
      throw apiErrors.invalidQuery(`Attribute not found in schema: ${String(attribute)}`);
    }
    return attribute;
  };
  for (const text of raw) {
    const parsed = parseOne(text);
    const values = parsed.values ?? [];
    switch (parsed.method) {
      case "equal": {
        const attribute = attributeOf(parsed);
        if (values.length === 0)
          throw apiErrors.invalidQuery(`Equal queries require at least one value.`);
        if (values.length > MAX_QUERY_VALUES) {
          throw apiErrors.invalidQuery(
            `Query on attribute has greater than ${MAX_QUERY_VALUES} values: ${attribute}`,
          );
        }
        query.equals.push({ attribute, values });
        break;
      }
      case "greaterThan": {
        const attribute = attributeOf(parsed);
        const [value] = values;
        if (values.length !== 1 || (typeof value !== "string" && typeof value !== "number")) {
          throw apiErrors.invalidQuery(`greaterThan on ${attribute} takes one string or number`);
        }
        query.greaterThan.push({ attribute, value });
        break;
      }
      case "orderAsc":
        if (query.orderAsc !== undefined) throw apiErrors.unsupported("more than one orderAsc");
        query.orderAsc = attributeOf(parsed);
        break;
      case "limit":
        // utopia-php/database's Limit validator: an integer from 1 up.
        query.limit = integerValue(values, "limit", 1, Number.MAX_SAFE_INTEGER);
        break;
      case "offset":
        query.offset = integerValue(values, "offset", 0, Number.MAX_SAFE_INTEGER);
        break;
      case "cursorAfter": {
        const [cursor] = values;
        if (typeof cursor !== "string" || cursor === "")
          throw apiErrors.invalidQuery("Cursor must be a row ID");
        query.cursorAfter = cursor;
        break;
      }
      case "select": {
        if (query.select !== undefined) throw apiErrors.unsupported("more than one select");
        if (values.length === 0)
          throw apiErrors.invalidQuery("Select queries require at least one value.");
        const selected = values.map((value) => {
          if (
            typeof value !== "string" ||
            !(value === "*" || columns.has(value) || SELECTABLE_SYSTEM_ATTRIBUTES.has(value))
          )
            throw apiErrors.invalidQuery(`Attribute not found in schema: ${String(value)}`);
          return value;
        });
        if (!selected.includes("*")) query.select = selected;
        break;
      }
      default:
        throw apiErrors.unsupported(`query method "${parsed.method}"`);
    }
  }
  return query;
}

function parseOne(text: string): z.infer<typeof QuerySchema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw apiErrors.invalidQuery(`Invalid query: ${text}`);
  }
  const parsed = QuerySchema.safeParse(json);
  if (!parsed.success) throw apiErrors.invalidQuery(`Invalid query: ${text}`);
  return parsed.data;
}

function integerValue(values: unknown[], method: string, min: number, max: number): number {
  const [value] = values;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw apiErrors.invalidQuery(
      `Invalid ${method} param: value must be a valid range between ${min} and ${max}`,
    );
  }
  return value;
}
