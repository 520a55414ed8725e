import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { loadDotEnvFile } from "../config/env.js";
import { isTypedError } from "../errors.js";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.js";
import { registerMasteryCommands } from "./mastery.js";
import { registerPlayCommand } from "./play.js";
import { registerSeedCommand } from "./seed.js";

export function buildProgram(): Command {
  const program = new Command("teaching-graph")
    .description("Teaching agent for SQA lessons, and the operator tools for its MasteryV2 data.")
    .exitOverride()
    .showHelpAfterError();
  registerPlayCommand(program);
  registerSeedCommand(program);
  registerMasteryCommands(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    loadDotEnvFile();
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    if (isTypedError(error)) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    } else {
      process.stderr.write(
        `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
    return EXIT_ERROR;
  }
}

/** Run as a program (`tsx src/cli/index.ts`, `node dist/cli/index.js`), not when imported (the bin, tests, tools). */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
