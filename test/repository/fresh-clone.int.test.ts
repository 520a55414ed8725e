/**
 * A clone stands on its own: the repository's tracked files, copied into an
 * empty temporary folder with nothing beside it (so no `../shared` of a dev
 * machine), build and teach the demo lesson with `npm start`. Only
 * node_modules is borrowed (a symlink), standing in for `npm ci`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild, type ChildRun } from "../support/child-process.js";

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The files a clone would hold: every tracked file, as it is in the working tree. */
async function trackedFiles(): Promise<string[]> {
  const { stdout } = await execFileAsync("git", ["ls-files", "-z"], { cwd: REPO_ROOT });
  return stdout.split("\0").filter((file) => file !== "");
}

async function copyRepository(target: string): Promise<void> {
  for (const file of await trackedFiles()) {
    await mkdir(dirname(join(target, file)), { recursive: true });
    await copyFile(join(REPO_ROOT, file), join(target, file));
  }
  await symlink(await realpath(join(REPO_ROOT, "node_modules")), join(target, "node_modules"));
}

/** `npm <args>` in the clone with `input` piped to stdin; fails (with the output) on a non-zero exit. */
async function npm(cwd: string, args: readonly string[], input = ""): Promise<ChildRun> {
  const run = await runChild("npm", args, {
    cwd,
    env: {
      ...process.env,
      SQLITE_PATH: join(cwd, ".data", "clone.db"),
      TEACHER_MODEL: "",
      APPWRITE_ENDPOINT: "",
      LOG_LEVEL: "error",
    },
    input,
  });
  expect(run.code, `npm ${args.join(" ")}:\n${run.stdout}\n${run.stderr}`).toBe(0);
  return run;
}

describe("a fresh clone", () => {
  let scratch: string;
  let clone: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "teaching-graph-clone-"));
    clone = join(scratch, "teaching-graph");
    await copyRepository(clone);
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("builds, seeds the demo from its own data and teaches the lesson with npm start", async () => {
    expect(existsSync(join(scratch, "shared"))).toBe(false);
    expect(existsSync(join(clone, "data", "demo"))).toBe(true);

    await npm(clone, ["run", "build"]);
    expect(existsSync(join(clone, "dist", "client", "index.js"))).toBe(true);
    expect(existsSync(join(clone, "dist", "cli", "index.js"))).toBe(true);

    // As test/cli/play.int.test.ts: card 1 a blank, a wrong option, then right (0.7); card 2 right (1.0).
    const { stdout, stderr } = await npm(
      clone,
      ["start"],
      ["", "1/2", "a", "£4.00", ""].join("\n"),
    );
    expect(stderr).toBe("");
    expect(stdout).toContain(
      "Lesson: Calculating Fractions of Amounts (2 cards, course course_c84774",
    );
    expect(stdout).toContain('Correct! The answer is "1/4".');
    expect(stdout).toContain("Correct! 4.00 is right.");
    expect(stdout).toContain("Mastery recorded");
    const mastery = stdout.match(/^ {2}\S+ {2}mastery 0\.7900 {2}card scores \[0\.7, 1\.0\] /gm);
    expect(mastery).toHaveLength(3);
    expect(existsSync(join(clone, ".data", "clone.db"))).toBe(true);
  });
});
