/**
 * The floor of `mastery clean` end to end: a process that reads every
 * MasteryV2 row, in the tool's pages (its page size, `$id` order, the same
 * selected attributes), with Node's own HTTP client and `JSON.parse`, and does
 * nothing else: no validation, no planning, no backup, no write. Nothing that
 * cleans can be faster, so `bench/clean-e2e.ts` prints how far this floor is
 * from the spec's reference to show what the 10x target leaves for the work.
 *
 * Plain JavaScript run by node (`node bench/read-floor.mjs ATTRIBUTES
 * PAGE_SIZE`, the Appwrite environment as for the CLI): the attributes the
 * tool selects (a JSON array) and its page size come from bench/clean-e2e.ts,
 * which takes them from the tool's sources. Prints `{"seen":n}`.
 */
import { Buffer } from "node:buffer";
import { request } from "node:http";
import process from "node:process";

const [selectArgument, pageSizeArgument] = process.argv.slice(2);
const SELECT = JSON.parse(selectArgument ?? "null");
const PAGE_SIZE = Number(pageSizeArgument);
if (!Array.isArray(SELECT) || !Number.isInteger(PAGE_SIZE) || PAGE_SIZE < 1) {
  throw new Error("usage: node bench/read-floor.mjs ATTRIBUTES_JSON PAGE_SIZE");
}

const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
};
const headers = {
  "x-appwrite-project": env("APPWRITE_PROJECT_ID"),
  "x-appwrite-key": env("APPWRITE_API_KEY"),
};
const rowsUrl = `${env("APPWRITE_ENDPOINT")}/tablesdb/${env("APPWRITE_DATABASE_ID")}/tables/MasteryV2/rows`;

function getJson(url) {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers }, (incoming) => {
      const chunks = [];
      incoming.on("data", (chunk) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (incoming.statusCode !== 200) reject(new Error(`${incoming.statusCode}: ${body}`));
        else resolve(JSON.parse(body));
      });
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

let seen = 0;
let cursor;
for (;;) {
  const queries = [
    { method: "select", values: SELECT },
    { method: "orderAsc", attribute: "$id" },
    { method: "limit", values: [PAGE_SIZE] },
    ...(cursor === undefined ? [] : [{ method: "cursorAfter", values: [cursor] }]),
  ];
  const search = queries
    .map((query, index) => `queries[${index}]=${encodeURIComponent(JSON.stringify(query))}`)
    .join("&");
  const { rows } = await getJson(`${rowsUrl}?${search}&total=false`);
  seen += rows.length;
  if (rows.length < PAGE_SIZE) break;
  cursor = rows.at(-1).$id;
}
process.stdout.write(`${JSON.stringify({ seen })}\n`);
