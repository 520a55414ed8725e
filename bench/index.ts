/**
 * `npm run bench`: runs every benchmark module present, in order. Each module
 * exports `run(): Promise<void>` and prints its own figures; modules written
 * by other parts of the project are optional and skipped when absent.
 */
import { existsSync } from "node:fs";
import { z } from "zod";

const BENCHMARKS = ["graph", "mastery"] as const;

const BenchmarkModuleSchema = z.looseObject({
  run: z.custom<() => Promise<void>>((value) => typeof value === "function", "must export run()"),
});

for (const name of BENCHMARKS) {
  const file = new URL(`./${name}.ts`, import.meta.url);
  if (!existsSync(file)) {
    process.stdout.write(`\n(bench/${name}.ts is not present; skipped)\n`);
    continue;
  }
  process.stdout.write(`\n== bench/${name}.ts ==\n`);
  const benchmark = BenchmarkModuleSchema.parse(await import(file.href));
  await benchmark.run();
}
