import { TeachingGraphError } from "../errors.js";

/** A seed file that cannot be read, is not JSON, or does not match its schema. Nothing was written. */
export class SeedFileError extends TeachingGraphError {
  readonly file: string;
  /** The offending fields as `path: problem`, e.g. `[2].unitCode: expected string`. */
  readonly fields: readonly string[];

  constructor(file: string, fields: readonly string[], cause?: unknown) {
    super(
      "SEED_FILE_INVALID",
      `Invalid seed file ${file}: ${fields.join("; ")}`,
      { file, fields },
      { cause },
    );
    this.file = file;
    this.fields = fields;
  }
}

/**
 * Seed data that contradicts itself or the store: the same outcome or lesson
 * twice, or a given `$id` that names another row. Nothing was written.
 */
export class SeedConflictError extends TeachingGraphError {
  constructor(reason: string, context: Record<string, unknown>) {
    super("SEED_CONFLICT", `Cannot seed: ${reason}`, context);
  }
}
