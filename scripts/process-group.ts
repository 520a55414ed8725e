/**
 * Stops a child started with `detached: true` (its own process group) and
 * everything it spawned: `langgraphjs dev` starts the server as a grandchild,
 * which must not outlive `npm run dev` or a test.
 */
import type { ChildProcess } from "node:child_process";

/** SIGTERM to the child's process group, SIGKILL after 5 s, and SIGKILL to whatever of the group is left. */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  // The server the CLI spawned is in the same group, and may outlive the CLI itself.
  signalGroup(pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
