/**
 * TimedClient (src/stores/appwrite/http.ts) overrides node-appwrite's `call`
 * and calls its `prepareRequest`, neither of which is public API. The
 * dependency is pinned to the version this was written against; these tests
 * fail when an upgrade changes what the override relies on.
 */
import { readFile } from "node:fs/promises";
import { Client, TablesDB } from "node-appwrite";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";

const PINNED_VERSION = "27.1.0";

describe("node-appwrite internals that TimedClient relies on", () => {
  it(`is node-appwrite ${PINNED_VERSION}, pinned exactly in package.json`, async () => {
    const installed = z
      .object({ version: z.string() })
      .parse(
        JSON.parse(
          await readFile(
            new URL("../../node_modules/node-appwrite/package.json", import.meta.url),
            "utf8",
          ),
        ),
      );
    const manifest = z
      .object({ dependencies: z.record(z.string(), z.string()) })
      .parse(JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")));
    expect(installed.version).toBe(PINNED_VERSION);
    expect(manifest.dependencies["node-appwrite"]).toBe(PINNED_VERSION);
  });

  it("routes a TablesDB request through call(method, url, headers, params)", async () => {
    const client = new Client().setEndpoint("http://127.0.0.1:9/v1").setProject("p").setKey("k");
    const call = vi.spyOn(client, "call").mockResolvedValue({ $id: "r", $updatedAt: "x" });
    await new TablesDB(client).getRow({ databaseId: "db", tableId: "t", rowId: "r" });
    expect(call).toHaveBeenCalledTimes(1);
    const [method, url, headers, params] = call.mock.calls[0]!;
    expect(method.toLowerCase()).toBe("get");
    expect(url).toBeInstanceOf(URL);
    expect(String(url)).toBe("http://127.0.0.1:9/v1/tablesdb/db/tables/t/rows/r");
    expect(headers).toEqual(expect.any(Object));
    expect(params).toEqual(expect.any(Object));
  });

  it("builds a request with prepareRequest: query parameters on GET, the client's headers", () => {
    const client = new Client().setEndpoint("http://127.0.0.1:9/v1").setProject("p").setKey("k");
    const { uri, options } = client.prepareRequest(
      "GET",
      new URL("http://127.0.0.1:9/v1/tablesdb/db/tables/t/rows"),
      { "content-type": "application/json" },
      { queries: ["q1"] },
    );
    expect(uri).toContain("queries%5B0%5D=q1");
    expect(options.method).toBe("GET");
    expect(options.headers).toMatchObject({
      "X-Appwrite-Key": "k",
      "content-type": "application/json",
    });
  });
});
