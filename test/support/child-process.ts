/**
 * Runs a command in a child process to its end and hands back its exit and
 * output, whatever the exit code: the CLI tests assert on the code, so a
 * non-zero one is a result, not a failure. `promisify(execFile)` does the
 * work; only a start failure (no such command) rejects.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Output kept per stream: far more than any CLI run in the tests prints. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface ChildRun {
  /** The exit code; null when a signal ended the child. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (default: closed at once). */
  input?: string;
  /** Sees the stderr text so far as it arrives; `kill` ends the child with SIGKILL. */
  onStderr?: (text: string, kill: () => void) => void;
}

export async function runChild(
  file: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<ChildRun> {
  const run = execFileAsync(file, args, {
    cwd: options.cwd,
    env: options.env,
    encoding: "utf8",
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  const { onStderr } = options;
  if (onStderr !== undefined) {
    let text = "";
    run.child.stderr?.on("data", (chunk: Buffer | string) => {
      text += chunk.toString();
      onStderr(text, () => run.child.kill("SIGKILL"));
    });
  }
  run.child.stdin?.end(options.input ?? "");
  try {
    const { stdout, stderr } = await run;
    return { code: 0, signal: null, stdout, stderr };
  } catch (error) {
    if (!isExitError(error)) throw error;
    return {
      code: error.code ?? null,
      signal: (error.signal ?? null) as NodeJS.Signals | null,
      stdout: error.stdout,
      stderr: error.stderr,
    };
  }
}

/** execFile's error for a child that ran and exited non-zero or was killed (a start failure has a string code). */
function isExitError(
  error: unknown,
): error is ExecFileException & { code?: number | null; stdout: string; stderr: string } {
  return (
    error instanceof Error &&
    typeof (error as ExecFileException).code !== "string" &&
    typeof (error as { stdout?: unknown }).stdout === "string"
  );
}
