import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Generous: process- and server-starting tests share two cores with the rest of the suite.
    // Timeouts here catch hangs, not slowness (speed lives in `npm run bench`).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests that start servers pick free ports, so files may run in parallel.
    pool: "forks",
  },
});
