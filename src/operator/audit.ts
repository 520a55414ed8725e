/**
 * `mastery audit`: the spec's monitoring metrics over every MasteryV2 record,
 * and the same over every Routine row's `dueAtByOutcome`.
 * One streaming pass in `$id` order; memory holds two pages, the per-course
 * outcome indexes and the category tallies, never all records.
 */
import type { CourseOutcomeStore, MasteryStore, RoutineStore } from "../stores/ports.js";
import {
  AUDIT_CATEGORIES,
  KEY_FORMAT_CATEGORIES,
  classifyRecord,
  classifyRoutine,
  perCategory,
  type AuditCategory,
} from "./classify.js";
import { CourseOutcomeCache } from "./outcome-index.js";
import { readAhead } from "./pages.js";
import { silentProgress, type ProgressReporter } from "./progress.js";

export interface AuditOptions {
  pageSize: number;
  /** Record ids kept per category. */
  sampleSize: number;
  progress?: ProgressReporter;
}

export interface CategoryReport {
  /** Records in the category (a record counts once per category it shows). */
  count: number;
  /** `count / total`; 0 when there are no records. */
  rate: number;
  /** The first `sampleSize` record ids in `$id` order. */
  samples: string[];
}

export interface TargetReport {
  target: number;
  actual: number;
  pass: boolean;
}

export interface AuditReport {
  total: number;
  categories: Record<AuditCategory, CategoryReport>;
  targets: {
    /** Share of records with an empty key; the spec's target is 0. */
    empty_key_rate: TargetReport;
    /**
     * Share of records whose every key is in document-ID format (no empty key,
     * string ref or other malformed key, and JSON that parses); target 1.
     * 1 when there are no records.
     */
    document_id_format: TargetReport;
  };
}

export async function auditMastery(
  stores: { mastery: MasteryStore; outcomes: CourseOutcomeStore },
  options: AuditOptions,
): Promise<AuditReport> {
  return auditTable(stores.mastery.scan({ pageSize: options.pageSize }), classifyRecord, {
    outcomes: stores.outcomes,
    options,
  });
}

/**
 * The same metrics over every Routine row's `dueAtByOutcome` (see
 * `classifyRoutine`): a section of its own, as its rows are not MasteryV2's.
 */
export async function auditRoutines(
  stores: { routines: RoutineStore; outcomes: CourseOutcomeStore },
  options: AuditOptions,
): Promise<AuditReport> {
  return auditTable(stores.routines.scan({ pageSize: options.pageSize }), classifyRoutine, {
    outcomes: stores.outcomes,
    options,
  });
}

async function auditTable<R extends { $id: string; courseId: string }>(
  scan: AsyncIterable<R[]>,
  classify: (record: R, courseOutcomeIds: ReadonlySet<string>) => ReadonlySet<AuditCategory>,
  { outcomes: store, options }: { outcomes: CourseOutcomeStore; options: AuditOptions },
): Promise<AuditReport> {
  const progress = options.progress ?? silentProgress;
  const outcomes = new CourseOutcomeCache(store);
  const tally = new AuditTally(options.sampleSize);
  progress.phase("scan");
  const pages = readAhead(scan, (page) => outcomes.load(page.map((record) => record.courseId)));
  for await (const page of pages) {
    for (const record of page) {
      tally.add(record.$id, classify(record, outcomes.get(record.courseId).documentIds));
    }
    progress.advance(page.length);
  }
  progress.finish();
  return tally.report();
}

/** True when the audit found any problem (the CLI's exit code 1). */
export function auditFoundProblems(report: AuditReport): boolean {
  return AUDIT_CATEGORIES.some((category) => report.categories[category].count > 0);
}

class AuditTally {
  private total = 0;
  private outOfFormat = 0;
  private readonly counts = perCategory(() => 0);
  private readonly samples = perCategory((): string[] => []);

  constructor(private readonly sampleSize: number) {}

  add(recordId: string, categories: ReadonlySet<AuditCategory>): void {
    this.total += 1;
    for (const category of categories) {
      this.counts[category] += 1;
      if (this.samples[category].length < this.sampleSize) this.samples[category].push(recordId);
    }
    if (categories.has("invalid_json") || KEY_FORMAT_CATEGORIES.some((c) => categories.has(c)))
      this.outOfFormat += 1;
  }

  report(): AuditReport {
    const rate = (count: number) => (this.total === 0 ? 0 : count / this.total);
    const categories = perCategory((category) => ({
      count: this.counts[category],
      rate: rate(this.counts[category]),
      samples: this.samples[category],
    }));
    const emptyKeyRate = categories.empty_key.rate;
    const formatRate = this.total === 0 ? 1 : 1 - this.outOfFormat / this.total;
    return {
      total: this.total,
      categories,
      targets: {
        empty_key_rate: { target: 0, actual: emptyKeyRate, pass: emptyKeyRate === 0 },
        document_id_format: { target: 1, actual: formatRate, pass: this.outOfFormat === 0 },
      },
    };
  }
}
