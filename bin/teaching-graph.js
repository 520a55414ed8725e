#!/usr/bin/env node
// Runs the bundled CLI that `npm run build` writes to dist/cli/ (run at install by `prepare`):
// compiling the TypeScript sources on every start cost over a second before any command ran, and
// loading the ~700 modules of the unbundled graph one by one kept `play` from its first card for
// over half a second more (see vite.cli.config.ts).
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const compiledCli = new URL("../dist/cli/index.js", import.meta.url);

if (!existsSync(compiledCli)) {
  process.stderr.write(
    `error [CLI_NOT_BUILT]: ${compiledCli.pathname} is missing; run \`npm run build\` to compile the CLI.\n`,
  );
  process.exitCode = 2; // EXIT_ERROR in src/cli/exit-codes.ts
} else {
  const { main } = await import(compiledCli.href);
  process.exitCode = await main();
}
