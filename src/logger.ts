import { pino, type Logger } from "pino";
import { readLogLevel } from "./config/env.js";

let rootLogger: Logger | undefined;

/**
 * Structured logs go to stderr so that stdout stays free for command output
 * (the CLI's `--json`, the lesson player). Created on first use.
 */
export function getLogger(): Logger {
  rootLogger ??= pino(
    { name: "teaching-graph", level: readLogLevel() },
    pino.destination({ dest: 2, sync: true }),
  );
  return rootLogger;
}
