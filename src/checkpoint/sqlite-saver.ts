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
 * - A transcript is stored one message at a time: each message's JSON once
 *   per thread (`checkpoint_messages`, keyed by a hash of the JSON), and the
 *   transcript's value as the list of its messages' keys, so a new message
 *   costs its own bytes, not the whole transcript's again. A message in the
 *   state is never changed (LangGraph's reducer replaces the list; it never
 *   edits a message in it), so each is serialised once per process.
 * - Values written or read recently are kept deserialised, so resuming a
 *   thread this process served reads no blob. LangGraph replaces channel
 *   values and never mutates them, so handing out the same object is safe.
 *
 * It needs a database of its own: one the plain `SqliteSaver` wrote is
 * refused, as its checkpoints carry their values inline and later ones would
 * silently lose every value a step did not change.
 */
import { createHash } from "node:crypto";
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
import { z } from "zod";
import { CheckpointerError } from "./errors.js";
import { JsonSerializer } from "./json-serializer.js";

/** Channel values kept deserialised: a few hundred threads' worth of teaching state. */
const CACHED_VALUES = 5_000;

/** Message keys remembered as stored, so that a put writes only a transcript's new messages. */
const REMEMBERED_MESSAGES = 100_000;

/** The blob type of a transcript stored as its messages' keys (the others are the serialiser's). */
const MESSAGE_KEYS_TYPE = "message_keys";

/** What a channel held at one version: a value, or nothing (an emptied trigger). */
type StoredValue = { value: unknown } | { empty: true };

interface Statements {
  insertCheckpoint: Database.Statement;
  insertBlob: Database.Statement;
  selectBlobs: Database.Statement;
  insertWrite: Database.Statement;
  replaceWrite: Database.Statement;
  deleteBlobs: Database.Statement;
  insertMessage: Database.Statement;
  selectMessages: Database.Statement;
  deleteMessages: Database.Statement;
}

/** A message's JSON and the key it is stored under. */
interface StoredMessage {
  key: string;
  bytes: Uint8Array;
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
  private readonly messages = new WeakMap<object, StoredMessage>();
  /** `thread \0 ns \0 key` of messages this process stored or read. */
  private readonly storedMessages = new LRUCache<string, true>({ max: REMEMBERED_MESSAGES });
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
);
CREATE TABLE IF NOT EXISTS checkpoint_messages (
  thread_id TEXT NOT NULL,
  checkpoint_ns TEXT NOT NULL DEFAULT '',
  message_key TEXT NOT NULL,
  blob BLOB NOT NULL,
  PRIMARY KEY (thread_id, checkpoint_ns, message_key)
) WITHOUT ROWID;`);
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
      insertMessage: this.db.prepare(
        `INSERT OR IGNORE INTO checkpoint_messages (thread_id, checkpoint_ns, message_key, blob) VALUES (?, ?, ?, ?)`,
      ),
      // The keys wanted come as one JSON array.
      selectMessages: this.db.prepare(
        `SELECT m.message_key, m.blob FROM checkpoint_messages AS m
         JOIN json_each(?) AS wanted ON m.message_key = wanted.value
         WHERE m.thread_id = ? AND m.checkpoint_ns = ?`,
      ),
      deleteMessages: this.db.prepare(`DELETE FROM checkpoint_messages WHERE thread_id = ?`),
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
    const newMessages: StoredMessage[] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      const key = valueKey(threadId, ns, channel, version);
      if (!Object.hasOwn(checkpoint.channel_values, channel)) {
        this.values.set(key, { empty: true });
        continue;
      }
      const value = checkpoint.channel_values[channel];
      const [type, bytes] = this.serialiseValue(value, (message) => {
        if (!this.storedMessages.has(messageKey(threadId, ns, message.key)))
          newMessages.push(message);
      });
      blobs.push([channel, String(version), type, bytes]);
      this.values.set(key, { value });
    }
    const skeleton: Checkpoint = { ...checkpoint, channel_values: {} };
    // The checkpoint without its values is plain JSON data (ids, timestamps, versions).
    const serialisedCheckpoint = encoder.encode(JSON.stringify(skeleton));
    const [, serialisedMetadata] = this.json.dumpsSync(metadata);
    this.db.transaction(() => {
      for (const message of newMessages)
        statements.insertMessage.run(threadId, ns, message.key, message.bytes);
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
    for (const message of newMessages)
      this.storedMessages.set(messageKey(threadId, ns, message.key), true);
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
    statements.deleteMessages.run(threadId);
    const prefix = `${threadId}\u0000`;
    for (const key of [...this.values.keys()]) if (key.startsWith(prefix)) this.values.delete(key);
    for (const key of [...this.storedMessages.keys()])
      if (key.startsWith(prefix)) this.storedMessages.delete(key);
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
        const value: unknown =
          row.type === MESSAGE_KEYS_TYPE
            ? await this.serde.loadsTyped("json", this.transcriptBytes(threadId, ns, row))
            : await this.serde.loadsTyped(row.type, row.blob);
        values[row.channel] = value;
        this.values.set(valueKey(threadId, ns, row.channel, row.version), { value });
      }
    }
    tuple.checkpoint.channel_values = values;
  }

  /**
   * The JSON array of a transcript stored as its messages' keys. A key with
   * no stored message is a broken database, refused rather than read as a
   * shorter transcript.
   */
  private transcriptBytes(threadId: string, ns: string, row: BlobRow): Uint8Array {
    const keys = messageKeysOf(threadId, ns, row);
    const found = new Map<string, Uint8Array>();
    const rows = this.prepared().selectMessages.all(JSON.stringify(keys), threadId, ns) as {
      message_key: string;
      blob: Uint8Array;
    }[];
    for (const message of rows) {
      found.set(message.message_key, message.blob);
      this.storedMessages.set(messageKey(threadId, ns, message.message_key), true);
    }
    const missing = keys.filter((key) => !found.has(key));
    if (missing.length > 0)
      throw new CheckpointerError(
        "CHECKPOINT_DATA_MISSING",
        `the transcript in channel ${row.channel} names ${missing.length} message(s) the database does not hold`,
        { threadId, ns, channel: row.channel, version: row.version, missing: missing.slice(0, 5) },
      );
    return jsonArray(keys.map((key) => found.get(key) as Uint8Array));
  }

  /**
   * A channel's value as bytes to store, made synchronously (each await in a
   * step costs more than serialising a small value). A transcript (a list of
   * messages) is stored as its messages' keys; `onMessage` gets each message,
   * serialised once: in a channel's value a message is final (the reducer
   * gives a new message its id on the way in).
   */
  private serialiseValue(
    value: unknown,
    onMessage: (message: StoredMessage) => void,
  ): [string, Uint8Array] {
    if (!Array.isArray(value) || value.length === 0 || !value.every((item) => isBaseMessage(item)))
      return this.json.dumpsSync(value);
    const keys = (value as object[]).map((item) => {
      let message = this.messages.get(item);
      if (message === undefined) {
        const bytes = this.json.dumpsSync(item)[1];
        message = {
          key: createHash("sha256").update(bytes).digest("base64url").slice(0, 22),
          bytes,
        };
        this.messages.set(item, message);
      }
      onMessage(message);
      return message.key;
    });
    return [MESSAGE_KEYS_TYPE, encoder.encode(JSON.stringify(keys))];
  }
}

/** A transcript's stored value: its messages' keys, in order. */
const MessageKeysSchema = z.array(z.string().min(1));

function messageKeysOf(threadId: string, ns: string, row: BlobRow): string[] {
  const text = decoder.decode(row.blob);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidTranscript(threadId, ns, row, text, error);
  }
  const keys = MessageKeysSchema.safeParse(parsed);
  if (!keys.success) throw invalidTranscript(threadId, ns, row, text, keys.error);
  return keys.data;
}

function invalidTranscript(
  threadId: string,
  ns: string,
  row: BlobRow,
  text: string,
  cause: unknown,
): CheckpointerError {
  return new CheckpointerError(
    "CHECKPOINT_DATA_INVALID",
    `the transcript in channel ${row.channel} is not a list of message keys`,
    { threadId, ns, channel: row.channel, version: row.version, stored: text.slice(0, 200) },
    cause,
  );
}

function messageKey(threadId: string, ns: string, key: string): string {
  return `${threadId}\u0000${ns}\u0000${key}`;
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
const decoder = new TextDecoder();

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
