/**
 * Progress of a long operator run: records done, rate and (when the total is
 * known) ETA. On a terminal a cli-progress bar; otherwise a plain line every
 * few seconds. Always on stderr, so that stdout carries only the report.
 *
 * Scans have no total: no backend offers an exact cheap count (Appwrite caps
 * list totals at 5000), so a scan shows records and rate; write and restore
 * phases know their total and show an ETA.
 */
import { createRequire } from "node:module";
import type { SingleBar } from "cli-progress";

/**
 * cli-progress (a CommonJS package of some twenty modules) is loaded when a
 * bar is first drawn: a run whose stderr is not a terminal never needs it.
 */
const loadCliProgress = (): typeof import("cli-progress") =>
  createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");

export interface ProgressReporter {
  /** Starts a phase, ending the previous one. */
  phase(name: string, total?: number): void;
  advance(records: number): void;
  /** Ends the current phase. */
  finish(): void;
}

/** stderr, or any writable; a bar is drawn only when `isTTY` is true. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/** For callers that want no progress output (tests, nested runs). */
export const silentProgress: ProgressReporter = { phase() {}, advance() {}, finish() {} };

export function createProgressReporter(
  stream: ProgressStream,
  options: { label: string; intervalMs?: number; now?: () => number },
): ProgressReporter {
  return stream.isTTY === true
    ? new BarProgress(stream, options.label)
    : new LineProgress(stream, options.label, options.intervalMs ?? 2000, options.now ?? Date.now);
}

function formatRate(records: number, elapsedMs: number): string {
  return elapsedMs <= 0 ? "-" : Math.round((records * 1000) / elapsedMs).toString();
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${Math.ceil(seconds % 60)}s`;
}

class LineProgress implements ProgressReporter {
  private name = "";
  private total: number | undefined;
  private done = 0;
  private startedAt = 0;
  private lastLineAt = 0;
  private active = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  phase(name: string, total?: number): void {
    this.finish();
    this.name = name;
    this.total = total;
    this.done = 0;
    this.startedAt = this.lastLineAt = this.now();
    this.active = true;
  }

  advance(records: number): void {
    this.done += records;
    const now = this.now();
    if (now - this.lastLineAt >= this.intervalMs) {
      this.lastLineAt = now;
      this.writeLine(now);
    }
  }

  finish(): void {
    if (!this.active) return;
    this.active = false;
    this.writeLine(this.now(), " (done)");
  }

  private writeLine(now: number, suffix = ""): void {
    const elapsed = now - this.startedAt;
    const parts = [
      `${this.done}${this.total === undefined ? "" : `/${this.total}`} records`,
      `${formatRate(this.done, elapsed)} records/s`,
    ];
    parts.push(`elapsed ${formatSeconds(elapsed / 1000)}`);
    if (this.total !== undefined && suffix === "" && this.done > 0) {
      parts.push(`ETA ${formatSeconds(((this.total - this.done) * elapsed) / this.done / 1000)}`);
    }
    this.stream.write(`[${this.label}] ${this.name}: ${parts.join(", ")}${suffix}\n`);
  }
}

class BarProgress implements ProgressReporter {
  private bar: SingleBar | undefined;
  private startedAt = 0;
  private done = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
  ) {}

  phase(name: string, total?: number): void {
    this.finish();
    const format =
      total === undefined
        ? `${this.label} ${name} | {value} records | {rate} records/s | {duration_formatted}`
        : `${this.label} ${name} [{bar}] {value}/{total} records | {rate} records/s | ETA {eta_formatted}`;
    const { Presets, SingleBar } = loadCliProgress();
    this.bar = new SingleBar(
      { format, stream: this.stream, hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    this.startedAt = Date.now();
    this.done = 0;
    this.bar.start(total ?? 0, 0, { rate: "-" });
  }

  advance(records: number): void {
    this.done += records;
    this.bar?.update(this.done, { rate: formatRate(this.done, Date.now() - this.startedAt) });
  }

  finish(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
