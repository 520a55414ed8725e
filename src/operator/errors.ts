import { TeachingGraphError } from "../errors.js";

/** A bug in the operator tools' own sequencing (not bad data): fail loudly. */
export class OperatorStateError extends TeachingGraphError {
  constructor(message: string, context: Record<string, unknown>) {
    super("OPERATOR_STATE", message, context);
  }
}

/** A backup file that cannot be read back as MasteryV2 records; nothing was restored from it. */
export class BackupFileError extends TeachingGraphError {
  readonly path: string;

  constructor(
    path: string,
    reason: string,
    context: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(
      "BACKUP_FILE_INVALID",
      `Backup ${path}: ${reason}`,
      { ...context, path, reason },
      { cause },
    );
    this.path = path;
  }
}
