/** Keeps expected error logs out of the test output, and lets tests assert on them. */
import { vi } from "vitest";
import { getLogger } from "../../../src/logger.js";

export function silenceLogs() {
  const logger = getLogger();
  return {
    error: vi.spyOn(logger, "error").mockImplementation(() => undefined),
    warn: vi.spyOn(logger, "warn").mockImplementation(() => undefined),
  };
}
