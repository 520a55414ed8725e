/**
 * Verified tokens, remembered briefly so that a lesson's turns do not each pay
 * an Appwrite round trip. Keyed by the SHA-256 of the token (the token itself
 * is never kept), bounded in size (least recently used entries go first), and
 * every entry expires at its own deadline: at most `ttlMs` after it was
 * verified and never after the JWT's own `exp`. Only successes are stored.
 */
import { createHash } from "node:crypto";

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

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export function tokenKey(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class TokenCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? TOKEN_CACHE_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, not ${this.maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value verified for `token`, unless it expired (then it is forgotten). */
  get(token: string): V | undefined {
    const key = tokenKey(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    // Re-inserted: the Map's order is the recency order.
    this.entries.set(key, entry);
    return entry.value;
  }

  /**
   * Remembers a verified token until the earlier of `ttlMs` from now and
   * `tokenExpiresAt` (the JWT's `exp`, in ms). A token already expired is not stored.
   */
  set(token: string, value: V, tokenExpiresAt: number): void {
    const now = this.now();
    const expiresAt = Math.min(now + this.ttlMs, tokenExpiresAt);
    const key = tokenKey(token);
    this.entries.delete(key);
    if (expiresAt <= now) return;
    while (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { value, expiresAt });
  }

  /** Forgets the least recently used entry. */
  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
