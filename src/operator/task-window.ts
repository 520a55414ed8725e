import pLimit, { type LimitFunction } from "p-limit";

/**
 * Runs submitted tasks with at most `concurrency` at once, and makes the
 * producer wait once `concurrency * 2` are queued or running, so memory stays
 * bounded however many tasks a stream produces. The first failure stops the
 * window: no task starts after it (queued ones are skipped), and
 * `submit`/`drain` rethrow it once every started task has settled.
 */
export class TaskWindow {
  private readonly limit: LimitFunction;
  private readonly capacity: number;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(concurrency: number) {
    this.limit = pLimit(concurrency);
    this.capacity = concurrency * 2;
  }

  async submit(task: () => Promise<void>): Promise<void> {
    while (this.failure === undefined && this.inFlight.size >= this.capacity) {
      await Promise.race(this.inFlight);
    }
    if (this.failure !== undefined) return this.drain();
    const settled = this.limit(async () => {
      if (this.failure !== undefined) return;
      try {
        await task();
      } catch (error) {
        // Recorded before p-limit starts the next task, which then sees it; rethrown by submit/drain.
        this.failure ??= { error };
      }
    });
    const tracked = settled.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure.error;
  }
}
