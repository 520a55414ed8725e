import { describe, expect, it } from "vitest";
import { TokenCache, tokenKey } from "../../src/auth/token-cache.js";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("TokenCache", () => {
  it("keys entries by the token's SHA-256, never the token", () => {
    const cache = new TokenCache<string>();
    const token = "header.payload.signature";
    cache.set(token, "ada", Date.now() + 60_000);
    const keys = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
    expect(keys).toEqual([tokenKey(token)]);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(keys)).not.toContain(token);
    expect(cache.get(token)).toBe("ada");
    expect(cache.get("header.payload.other")).toBeUndefined();
  });

  it("forgets an entry after the TTL", () => {
    const time = clock();
    const cache = new TokenCache<string>({ ttlMs: 60_000, now: time.now });
    cache.set("t", "ada", time.now() + 900_000);
    time.advance(59_999);
    expect(cache.get("t")).toBe("ada");
    time.advance(1);
    expect(cache.get("t")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("never keeps a token past its own expiry", () => {
    const time = clock();
    const cache = new TokenCache<string>({ ttlMs: 60_000, now: time.now });
    cache.set("t", "ada", time.now() + 10_000);
    time.advance(10_000);
    expect(cache.get("t")).toBeUndefined();
    cache.set("expired", "ada", time.now());
    expect(cache.size).toBe(0);
  });

  it("is bounded, dropping the least recently used", () => {
    const time = clock();
    const cache = new TokenCache<string>({ maxEntries: 2, now: time.now });
    const later = time.now() + 60_000;
    cache.set("a", "A", later);
    cache.set("b", "B", later);
    expect(cache.get("a")).toBe("A");
    cache.set("c", "C", later);
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
  });

  it("refuses a size that bounds nothing", () => {
    expect(() => new TokenCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
