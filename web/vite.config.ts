/**
 * The lesson page's Vite config: `web/` is the root, React through the
 * official plugin. `npm run dev` (scripts/dev.ts) adds the graph's URL and the
 * dev-only session list on top of this.
 */
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const webRoot = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: webRoot,
  // Vite's dependency cache beside the store's files, not in the (possibly shared) node_modules.
  cacheDir: fileURLToPath(new URL("../.data/vite", import.meta.url)),
  plugins: [react()],
  clearScreen: false,
});
