#!/usr/bin/env node
// Runs the TypeScript CLI straight from a clone: no build step between `npm ci` and use.
import process from "node:process";
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/index.ts");
process.exitCode = await main();
