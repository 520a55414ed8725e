import { createRequire } from "node:module";
import type { Logger } from "pino";
import { readLogLevel } from "./config/env.js";

let rootLogger: Logger | undefined;

/**
 * Structured logs go to stderr so that stdout stays free for command output
 * (the CLI's `--json`, the lesson player). Created on first use, and pino (a
 * CommonJS package of some thirty modules with its streams) is loaded then
 * too: a CLI run that logs nothing never loads it.
 */
export function getLogger(): Logger {
  if (rootLogger === undefined) {
    const { pino } = createRequire(import.meta.url)("pino") as typeof import("pino");
    rootLogger = pino(
      { name: "teaching-graph", level: readLogLevel() },
      pino.destination({ dest: 2, sync: true }),
    );
  }
  return rootLogger;
}
