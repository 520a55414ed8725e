/** `npm run bench`: every benchmark, in order; each prints its own figures and targets. */
import { run as runCleanEndToEndBenchmark } from "./clean-e2e.js";
import { run as runGraphBenchmark } from "./graph.js";
import { run as runLimitsBenchmark } from "./limits.js";
import { run as runMasteryBenchmark } from "./mastery.js";
import { run as runServerBenchmark } from "./server.js";
import { run as runStartupBenchmark } from "./startup.js";

process.stdout.write("\n== CLI start-up: teaching-graph --help and npm start's first card ==\n");
await runStartupBenchmark();
process.stdout.write("\n== teaching graph: time per answered card ==\n");
await runGraphBenchmark();
process.stdout.write(
  "\n== through the server: whole lessons on langgraphjs dev, 1 to 50 at once ==\n",
);
await runServerBenchmark();
process.stdout.write("\n== MasteryV2 operator tools: audit and clean ==\n");
await runMasteryBenchmark();
process.stdout.write(
  "\n== mastery clean end to end: the bin against the spec's reference script ==\n",
);
await runCleanEndToEndBenchmark();
process.stdout.write("\n== limits at the edge: refusing oversize input ==\n");
await runLimitsBenchmark();
