/**
 * Gzip bombs for tests, built in milliseconds: one gzip member of 1 MiB of
 * zeros (about 1 KiB compressed), repeated. gunzip inflates concatenated
 * members one after the other, so the copies inflate to their sum.
 */
import { gzipSync } from "node:zlib";
import { GZIP_PREFIX } from "../../src/lessons/codec.js";

const MIB = 1024 * 1024;

/** The gzip data of `mebibytes` MiB of zeros. */
export function gzipBombBytes(mebibytes: number): Buffer {
  const member = gzipSync(Buffer.alloc(MIB), { level: 9 });
  return Buffer.concat(Array.from({ length: mebibytes }, () => member));
}

/** A `gzip:`+base64 column value that inflates to `mebibytes` MiB. */
export function gzipBomb(mebibytes: number): string {
  return GZIP_PREFIX + gzipBombBytes(mebibytes).toString("base64");
}
