/**
 * No module in src/ reaches itself through its imports, type-only ones
 * included: a loop means two modules are one concern split in two (or a
 * shared shape living on the wrong side), and at run time it lets a module see
 * another half-initialised. Imports are read with TypeScript's own scanner.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SRC = join(ROOT, "src");

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The src/ files a file imports (static, type-only, re-exports and dynamic `import()`). */
export function localImports(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
}

/** Every import loop, each as the chain of files from one member back to itself. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string): void => {
    if (onPath.has(file)) {
      cycles.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    if (done.has(file)) return;
    onPath.add(file);
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return cycles;
}

describe("src/ imports", () => {
  it("finds a loop when there is one", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(importCycles(graph)).toEqual([["a", "b", "c", "a"]]);
    expect(
      localImports("/x/a.ts", 'import type { B } from "./b.js";\nexport * from "../c.js";'),
    ).toEqual(["/x/b.ts", "/c.ts"]);
  });

  it("form no loop", () => {
    const graph = new Map(
      sourceFiles(SRC).map((file) => [file, localImports(file, readFileSync(file, "utf8"))]),
    );
    const loops = importCycles(graph).map((cycle) =>
      cycle.map((file) => relative(ROOT, file)).join(" -> "),
    );
    expect(loops).toEqual([]);
  });

  it("leave the wire contract free of storage", () => {
    const protocol = join(SRC, "teaching", "protocol.ts");
    const imported = localImports(protocol, readFileSync(protocol, "utf8"));
    expect(
      imported.map((file) => relative(SRC, file)).filter((file) => file.startsWith("stores")),
    ).toEqual([]);
  });
});
