/**
 * LangGraph's SQLite checkpointer, storing each channel's value once per
 * version instead of every channel in every checkpoint: the layout of
 * LangGraph's Postgres saver, and what LangGraph's checkpointer conformance
 * suite asks for. A teaching step changes two or three channels, while the
 * transcript and the evidence only grow; copied into every checkpoint, they
 * made each step cost more than the one before.
 *
 * - `put` writes the values of the channels whose version is new (the rest
 *   are stored under their version already). Versions carry a random
 *   fraction, so two branches forked from one checkpoint never share one.
 * - A transcript is serialised one message at a time, and each message once
 *   per process: a message in the state is never changed (LangGraph's reducer
 *   replaces the list; it never edits a message in it).
 * - Values written or read recently are kept deserialised, so resuming a
 *   thread this process served reads no blob. LangGraph replaces channel
 *   values and never mutates them, so handing out the same object is safe.
 *
 * It needs a database of its own: one the plain `SqliteSaver` wrote is
 * refused, as its checkpoints carry their values inline and later ones would
 * silently lose every value a step did not change.
 */
import { isBaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import {
  WRITES_IDX_MAP,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type PendingWrite,
} from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import Database from "better-sqlite3";
import { LRUCache } from "lru-cache";
import { CheckpointerError } from "./errors.js";
import { JsonSerializer } from "./json-serializer.js";

/** Channel values kept deserialised: a few hundred threads' worth of teaching state. */
const CACHED_VALUES = 5_000;

/** What a channel held at one version: a value, or nothing (an emptied trigger). */
type StoredValue = { value: unknown } | { empty: true };

interface Statements {
  insertCheckpoint: Database.Statement;
  insertBlob: Database.Statement;
  selectBlobs: Database.Statement;
  insertWrite: Database.Statement;
  replaceWrite: Database.Statement;
  deleteBlobs: Database.Statement;
}

interface BlobRow {
  channel: string;
  version: string;
  type: string;
  blob: Uint8Array;
}

export class IncrementalSqliteSaver extends SqliteSaver {
  private statements: Statements | undefined;
  private readonly values = new LRUCache<string, StoredValue>({ max: CACHED_VALUES });
  private readonly messageBytes = new WeakMap<object, Uint8Array>();
  private readonly json: JsonSerializer;

  static override fromConnString(path: string): IncrementalSqliteSaver {
    return new IncrementalSqliteSaver(new Database(path));
  }

  /** The JSON serialiser only: a transcript is written as the concatenation of its messages' JSON. */
  constructor(db: Database.Database) {
    const json = new JsonSerializer();
    super(db, json);
    this.json = json;
  }

  override setup(): void {
    if (this.statements !== undefined) return;
    const hasBlobs = this.db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoint_blobs'`)
      .get();
    super.setup();
    if (hasBlobs === undefined && this.db.prepare(`SELECT 1 FROM checkpoints LIMIT 1`).get())
      throw new CheckpointerError(
        "CHECKPOINT_DATABASE_FOREIGN",
        `${this.db.name} holds checkpoints written by SqliteSaver (values inline); ` +
          "IncrementalSqliteSaver needs a database of its own",
        { database: this.db.name },
      );
    this.db.exec(`
CREATE TABLE IF NOT EXISTS checkpoint_blobs (
  thread_id TEXT NOT NULL,
  checkpoint_ns TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL,
  version TEXT NOT NULL,
  type TEXT NOT NULL,
  blob BLOB,
  PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);`);
    const insertWrite = (conflict: "REPLACE" | "IGNORE") =>
      this.db.prepare(
        `INSERT OR ${conflict} INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
    this.statements = {
      insertCheckpoint: this.db.prepare(
        `INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertBlob: this.db.prepare(
        `INSERT OR IGNORE INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // The versions wanted come as one JSON object, channel → version.
      selectBlobs: this.db.prepare(
        `SELECT b.channel, b.version, b.type, b.blob FROM checkpoint_blobs AS b
         JOIN json_each(?) AS wanted ON b.channel = wanted.key AND b.version = wanted.value
         WHERE b.thread_id = ? AND b.checkpoint_ns = ?`,
      ),
      insertWrite: insertWrite("IGNORE"),
      replaceWrite: insertWrite("REPLACE"),
      deleteBlobs: this.db.prepare(`DELETE FROM checkpoint_blobs WHERE thread_id = ?`),
    };
  }

  override async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    /** The channels this step changed (optional only in `SqliteSaver`'s signature; LangGraph always passes them). */
    newVersions?: ChannelVersions,
  ): Promise<RunnableConfig> {
    const statements = this.prepared();
    const { threadId, ns } = threadOf(config);
    if (newVersions === undefined)
      throw new CheckpointerError("CHECKPOINT_CALL_INVALID", "put needs the new channel versions", {
        threadId,
        checkpointId: checkpoint.id,
      });
    const blobs: [channel: string, version: string, type: string, bytes: Uint8Array][] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      const key = valueKey(threadId, ns, channel, version);
      if (!Object.hasOwn(checkpoint.channel_values, channel)) {
        this.values.set(key, { empty: true });
        continue;
      }
      const value = checkpoint.channel_values[channel];
      const [type, bytes] = this.serialiseValue(value);
      blobs.push([channel, String(version), type, bytes]);
      this.values.set(key, { value });
    }
    const skeleton: Checkpoint = { ...checkpoint, channel_values: {} };
    // The checkpoint without its values is plain JSON data (ids, timestamps, versions).
    const serialisedCheckpoint = encoder.encode(JSON.stringify(skeleton));
    const [, serialisedMetadata] = this.json.dumpsSync(metadata);
    this.db.transaction(() => {
      for (const [channel, version, blobType, bytes] of blobs)
        statements.insertBlob.run(threadId, ns, channel, version, blobType, bytes);
      statements.insertCheckpoint.run(
        threadId,
        ns,
        checkpoint.id,
        config.configurable?.checkpoint_id,
        "json",
        serialisedCheckpoint,
        serialisedMetadata,
      );
    })();
    return {
      configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id },
    };
  }

  /** As `SqliteSaver.putWrites`, with its statements prepared once. */
  override async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
  ): Promise<void> {
    const statements = this.prepared();
    const { threadId, ns } = threadOf(config);
    const checkpointId: unknown = config.configurable?.checkpoint_id;
    if (typeof checkpointId !== "string" || checkpointId === "")
      throw new CheckpointerError(
        "CHECKPOINT_CALL_INVALID",
        "putWrites needs config.configurable.checkpoint_id",
        {
          threadId,
          taskId,
        },
      );
    const rows: unknown[][] = [];
    for (const [index, [channel, value]] of writes.entries()) {
      // Not from the message cache: the reducer has yet to give a new message its id.
      const [type, bytes] = this.json.dumpsSync(value);
      rows.push([
        threadId,
        ns,
        checkpointId,
        taskId,
        WRITES_IDX_MAP[channel] ?? index,
        channel,
        type,
        bytes,
      ]);
    }
    // Special writes (errors, interrupts, resumes) replace their earlier value; others are written once.
    const allSpecial = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    const insert = allSpecial ? statements.replaceWrite : statements.insertWrite;
    this.db.transaction(() => {
      for (const row of rows) insert.run(...row);
    })();
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const tuple = await super.getTuple(config);
    if (tuple !== undefined) await this.restoreValues(tuple);
    return tuple;
  }

  override async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    for await (const tuple of super.list(config, options)) {
      await this.restoreValues(tuple);
      yield tuple;
    }
  }

  override async deleteThread(threadId: string): Promise<void> {
    const statements = this.prepared();
    await super.deleteThread(threadId);
    statements.deleteBlobs.run(threadId);
    const prefix = `${threadId}\u0000`;
    for (const key of [...this.values.keys()]) if (key.startsWith(prefix)) this.values.delete(key);
  }

  /**
   * The next whole number plus a random fraction: increasing, as LangGraph
   * needs, and unique across branches forked from one checkpoint (whose
   * values would otherwise share a version, and so a stored blob).
   */
  override getNextVersion(current: number | undefined): number {
    if (current !== undefined && !Number.isFinite(current))
      throw new CheckpointerError("CHECKPOINT_CALL_INVALID", "a channel version must be a number", {
        version: current,
      });
    return Math.floor(current ?? 0) + 1 + Math.random();
  }

  private prepared(): Statements {
    this.setup();
    if (this.statements === undefined)
      throw new Error("unreachable: setup prepares the statements");
    return this.statements;
  }

  /** Fills in the channel values the checkpoint row does not carry inline. */
  private async restoreValues(tuple: CheckpointTuple): Promise<void> {
    const statements = this.prepared();
    const { threadId, ns } = threadOf(tuple.config);
    const values = { ...tuple.checkpoint.channel_values };
    const unread: Record<string, string> = {};
    for (const [channel, version] of Object.entries(tuple.checkpoint.channel_versions)) {
      if (Object.hasOwn(values, channel)) continue;
      const stored = this.values.get(valueKey(threadId, ns, channel, version));
      if (stored === undefined) unread[channel] = String(version);
      else if ("value" in stored) values[channel] = stored.value;
    }
    if (Object.keys(unread).length > 0) {
      const rows = statements.selectBlobs.all(JSON.stringify(unread), threadId, ns) as BlobRow[];
      for (const row of rows) {
        const value: unknown = await this.serde.loadsTyped(row.type, row.blob);
        values[row.channel] = value;
        this.values.set(valueKey(threadId, ns, row.channel, row.version), { value });
      }
    }
    tuple.checkpoint.channel_values = values;
  }

  /**
   * A channel's value as the JSON serialiser's bytes, made synchronously (each
   * await in a step costs more than serialising a small value). A transcript
   * is assembled from each message's bytes, made once: in a channel's value a
   * message is final (the reducer gives a new message its id on the way in).
   */
  private serialiseValue(value: unknown): [string, Uint8Array] {
    if (!Array.isArray(value) || value.length === 0 || !value.every((item) => isBaseMessage(item)))
      return this.json.dumpsSync(value);
    const parts = (value as object[]).map((message) => {
      let bytes = this.messageBytes.get(message);
      if (bytes === undefined) {
        bytes = this.json.dumpsSync(message)[1];
        this.messageBytes.set(message, bytes);
      }
      return bytes;
    });
    return ["json", jsonArray(parts)];
  }
}

const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** `[a,b,…]` from the JSON bytes of each element. */
function jsonArray(elements: readonly Uint8Array[]): Uint8Array {
  const length = elements.reduce((sum, element) => sum + element.length + 1, 1);
  const bytes = new Uint8Array(length);
  bytes[0] = OPEN_BRACKET;
  let offset = 1;
  for (const [index, element] of elements.entries()) {
    if (index > 0) bytes[offset++] = COMMA;
    bytes.set(element, offset);
    offset += element.length;
  }
  bytes[offset] = CLOSE_BRACKET;
  return bytes;
}

const encoder = new TextEncoder();

function threadOf(config: RunnableConfig): { threadId: string; ns: string } {
  const threadId: unknown = config.configurable?.thread_id;
  if (typeof threadId !== "string" || threadId === "")
    throw new CheckpointerError(
      "CHECKPOINT_CALL_INVALID",
      "config.configurable.thread_id is missing",
      {
        threadId,
      },
    );
  // LangGraph's root graph has the empty namespace, and leaves it out of the config.
  const ns: unknown = config.configurable?.checkpoint_ns ?? "";
  if (typeof ns !== "string")
    throw new CheckpointerError(
      "CHECKPOINT_CALL_INVALID",
      "config.configurable.checkpoint_ns must be a string",
      {
        threadId,
        checkpointNs: ns,
      },
    );
  return { threadId, ns };
}

function valueKey(threadId: string, ns: string, channel: string, version: string | number): string {
  return `${threadId}\u0000${ns}\u0000${channel}\u0000${version}`;
}
