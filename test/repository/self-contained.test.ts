/**
 * A clone stands on its own: no source, test, benchmark or config file names a
 * path that climbs out of the repository (such as the dev machines'
 * `../shared` beside the checkout). Every `../` chain in a file's text, and
 * every join/resolve call whose string arguments climb, is resolved from the
 * file's own folder and must stay inside the repository root.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Folders scanned whole, and single files, relative to the repository root. */
const SCANNED_FOLDERS = ["src", "test", "bench", "bin", ".ci", "scripts", "web"];
const SCANNED_FILES = [
  "package.json",
  "langgraph.json",
  "vitest.config.ts",
  "eslint.config.js",
  "tsconfig.json",
  "tsconfig.build.json",
  "README.md",
];
/** Files whose relative paths mean the repository root, not their own folder: `.ci/run` cds there first. */
const ROOT_RELATIVE = new Set([".ci/run"]);

/** A `../` chain anywhere: string and template literals, URLs, comments, shell commands. */
const CLIMB = /(?<![\w./-])(?:\.\/)?(?:\.\.\/)+[\w@./-]*/g;
const PATH_CALL = /\b(?:join|resolve)\(/g;
const STRING_LITERAL = /"([^"\n]*)"|'([^'\n]*)'/g;

interface Reference {
  file: string;
  line: number;
  /** The path as written (for a join/resolve call, its string arguments joined by `/`). */
  reference: string;
  /** Relative to the repository root; starts with `..` when it escapes. */
  resolved: string;
}

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

function scannedFiles(): string[] {
  return [...SCANNED_FOLDERS.flatMap(filesUnder), ...SCANNED_FILES];
}

/** The text between the parenthesis at `open` and its match. */
function callArguments(text: string, open: number): string {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === "(") depth++;
    if (text[index] === ")" && --depth === 0) return text.slice(open + 1, index);
  }
  return text.slice(open + 1);
}

/** `join(here, "..", "..", "shared")` and the like: the string arguments, joined, when they climb. */
function pathCallClimbs(text: string): { index: number; reference: string }[] {
  return [...text.matchAll(PATH_CALL)].flatMap((match) => {
    const args = callArguments(text, match.index + match[0].length - 1);
    const parts = [...args.matchAll(STRING_LITERAL)].map((literal) => literal[1] ?? literal[2]);
    const reference = posix.normalize(parts.join("/"));
    return reference === ".." || reference.startsWith("../")
      ? [{ index: match.index, reference }]
      : [];
  });
}

/** Every relative path in `text` that climbs, resolved as `file` (relative to the root) would resolve it. */
function climbingReferences(file: string, text: string): Reference[] {
  const base = ROOT_RELATIVE.has(file) ? ROOT : dirname(join(ROOT, file));
  const found = [
    ...[...text.matchAll(CLIMB)].map((match) => ({ index: match.index, reference: match[0] })),
    ...pathCallClimbs(text),
  ];
  return found.map(({ index, reference }) => ({
    file,
    line: text.slice(0, index).split("\n").length,
    reference,
    resolved: relative(ROOT, resolve(base, reference)),
  }));
}

function escapes(reference: Reference): boolean {
  return isAbsolute(reference.resolved) || reference.resolved.split(sep)[0] === "..";
}

/** `../` repeated `count` times, so that this file's own text never climbs out. */
const up = (count: number) => "../".repeat(count);
const DOTS = '".."';

describe("the repository is self-contained", () => {
  it("no scanned file names a relative path that climbs out of the repository root", () => {
    const files = scannedFiles();
    const references = files.flatMap((file) =>
      climbingReferences(file, readFileSync(join(ROOT, file), "utf8")),
    );

    expect(references.filter(escapes)).toEqual([]);
    // The scan saw the whole tree, and the in-repo climbs it let through.
    expect(files).toContain("src/seed/index.ts");
    expect(files).toContain("test/teaching/support/fixtures.ts");
    expect(references).toContainEqual(
      expect.objectContaining({
        file: "src/stores/sqlite/lessons.ts",
        reference: `${up(1)}shared/rows.js`,
        resolved: join("src", "stores", "shared", "rows.js"),
      }),
    );
  });

  it("flags the old demo path and a climbing join, and lets in-repo imports through", () => {
    const oldDemo = climbingReferences(
      "src/seed/index.ts",
      `const fixtures = new URL("${up(3)}shared/fixtures/", import.meta.url);`,
    );
    expect(oldDemo.map(escapes)).toEqual([true]);
    expect(oldDemo[0]).toMatchObject({ line: 1, resolved: join("..", "shared", "fixtures") });

    const joined = climbingReferences(
      "test/support/x.ts",
      `\nconst dir = join(dirname(fileURLToPath(import.meta.url)), ${DOTS}, ${DOTS}, ${DOTS}, "shared");`,
    );
    expect(joined).toEqual([
      expect.objectContaining({
        line: 2,
        reference: `${up(3)}shared`,
        resolved: join("..", "shared"),
      }),
    ]);
    // A build script run from the repository root (package.json) climbing once is out too.
    expect(
      climbingReferences("package.json", `"seed": "tsx x --lesson ${up(1)}shared/a.json"`).map(
        escapes,
      ),
    ).toEqual([true]);

    const inRepo = [
      ...climbingReferences(
        "src/stores/sqlite/lessons.ts",
        `import { TABLES } from "${up(1)}shared/rows.js";`,
      ),
      ...climbingReferences("src/seed/index.ts", `new URL("${up(2)}data/demo/", import.meta.url)`),
      ...climbingReferences("test/cli/x.test.ts", `resolve(here, ${DOTS}, ${DOTS}, "bin")`),
    ];
    expect(inRepo).toHaveLength(3);
    expect(inRepo.filter(escapes)).toEqual([]);
  });
});
