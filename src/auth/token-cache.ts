/**
 * Verified tokens, remembered briefly so that a lesson's turns do not each pay
 * an Appwrite round trip. Keyed by the SHA-256 of the token (the token itself
 * is never kept), bounded in size (least recently used entries go first), and
 * every entry expires at its own deadline: at most `ttlMs` after it was
 * verified and never after the JWT's own `exp`. Only successes are stored.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";

/** How long a verified token is trusted without asking Appwrite again. */
export const TOKEN_CACHE_TTL_MS = 60_000;
/** Tokens remembered at once; the least recently used go first. */
export const TOKEN_CACHE_MAX_ENTRIES = 10_000;

export interface TokenCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

export function tokenKey(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- lru-cache stores any non-nullish value
export class TokenCache<V extends {}> {
  private readonly entries: LRUCache<string, V>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
    this.ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    const now = this.now;
    // ttlResolution 0: staleness is judged by the clock at each read, not a clock cached for 1 ms.
    this.entries = new LRUCache({ max: maxEntries, ttlResolution: 0, perf: { now } });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value verified for `token`, unless it expired. */
  get(token: string): V | undefined {
    return this.entries.get(tokenKey(token));
  }

  /**
   * Remembers a verified token until the earlier of `ttlMs` from now and
   * `tokenExpiresAt` (the JWT's `exp`, in ms). A token already expired is not stored.
   */
  set(token: string, value: V, tokenExpiresAt: number): void {
    const key = tokenKey(token);
    // lru-cache serves an entry until more than `ttl` ms have passed; the deadline itself is already too late.
    const ttl = Math.min(this.ttlMs, tokenExpiresAt - this.now()) - 1;
    if (ttl <= 0) {
      this.entries.delete(key);
      return;
    }
    this.entries.set(key, value, { ttl });
  }
}
