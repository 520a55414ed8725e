/**
 * Bundles the CLI (`src/cli/index.ts`) into `dist/cli/` for the bin
 * (`npm run build`). Node 20 loads ES modules one file at a time: `play`
 * reached its first card after ~700 modules of LangGraph, LangChain core,
 * LangSmith and zod, about 1.3 s, most of it in the module loader. Bundled,
 * the same code is a handful of chunks and the first card shows in about half
 * that. Each command's dynamic imports stay separate chunks, so `--help` still
 * loads only the command table.
 *
 * Chunks are written flat into `dist/cli/`, two folders below the package
 * root like every source module under `src/<folder>/`, so the
 * `new URL("../../data/…", import.meta.url)` paths of the seed code resolve
 * the same bundled or not (test/cli/built-bin.int.test.ts runs both).
 *
 * node-appwrite's `undici` import resolves to src/stores/appwrite/sdk-undici.ts:
 * the adapter never sends a request through undici, and loading it added about
 * 50 ms to the start of every command that reaches Appwrite.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  logLevel: "warn",
  // Everything is bundled except better-sqlite3, whose native addon is found from its own package folder.
  ssr: { noExternal: true, external: ["better-sqlite3"] },
  resolve: {
    alias: {
      undici: fileURLToPath(new URL("src/stores/appwrite/sdk-undici.ts", import.meta.url)),
    },
  },
  build: {
    ssr: "src/cli/index.ts",
    outDir: "dist/cli",
    emptyOutDir: true,
    target: "node20",
    minify: false,
    rollupOptions: {
      output: { format: "es", entryFileNames: "index.js", chunkFileNames: "[name]-[hash].js" },
    },
  },
});
