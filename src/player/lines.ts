import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** Reads answers one line at a time; works for a terminal and for piped input alike. */
export interface LineReader {
  /** The next line, or undefined once the input has ended. */
  next(): Promise<string | undefined>;
  close(): void;
}

export function createLineReader(input: Readable): LineReader {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    async next() {
      const line = await iterator.next();
      return line.done === true ? undefined : line.value;
    },
    close() {
      lines.close();
    },
  };
}
