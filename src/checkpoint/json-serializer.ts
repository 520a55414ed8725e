/**
 * LangGraph's JSON checkpoint serialiser (`JsonPlusSerializer`), with its
 * synchronous half public and without its circular-reference guard.
 *
 * LangGraph's `_dumps` runs every value through fast-safe-stringify, which
 * first walks the whole value once more looking for cycles, then writes a
 * cycle as the string "[Circular]", and a value `JSON.stringify` refuses (a
 * BigInt, a throwing `toJSON`) as the string "[unable to serialize, circular
 * reference is too complex to analyze]": a checkpoint that silently holds
 * something else than the state. Here such a value is refused with a typed
 * error, and every other value gets the same bytes as LangGraph's (the
 * replacer is LangGraph's `_default`; test/checkpoint/json-serializer.test.ts
 * compares the two on LangGraph's special types and on generated values).
 */
import { DeltaSnapshot, JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { CheckpointerError } from "./errors.js";

const encoder = new TextEncoder();

export class JsonSerializer extends JsonPlusSerializer {
  dumpsSync(value: unknown): [string, Uint8Array] {
    return value instanceof Uint8Array ? ["bytes", value] : ["json", this._dumps(value)];
  }

  override _dumps(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      text = JSON.stringify(value, (_key, item: unknown) => jsonPlusValue(item));
    } catch (error) {
      throw new CheckpointerError(
        "CHECKPOINT_VALUE_UNSERIALISABLE",
        `a value to checkpoint is not JSON data: ${error instanceof Error ? error.message : String(error)}`,
        { valueType: describe(value) },
        error,
      );
    }
    if (text === undefined) {
      throw new CheckpointerError(
        "CHECKPOINT_VALUE_UNSERIALISABLE",
        "a value to checkpoint has no JSON form",
        { valueType: describe(value) },
      );
    }
    return encoder.encode(text);
  }
}

/** LangGraph's `_default` (serde/jsonplus): how its JSON encodes the values JSON has no form for. */
function jsonPlusValue(value: unknown): unknown {
  if (value === undefined) return { lc: 2, type: "undefined" };
  if (value instanceof DeltaSnapshot) return { lc: 2, type: "delta_snapshot", value: value.value };
  if (value instanceof Set || value instanceof Map)
    return constructorRecord(value.constructor.name, null, [Array.from(value)]);
  if (value instanceof RegExp)
    return constructorRecord("RegExp", null, [value.source, value.flags]);
  if (value instanceof Error) return constructorRecord("Error", null, [value.message]);
  if (isSend(value)) {
    return {
      node: value.node,
      args: value.args,
      ...(value.timeout !== undefined ? { timeout: value.timeout } : {}),
    };
  }
  if (value instanceof Uint8Array)
    return constructorRecord("Uint8Array", "from", [Array.from(value)]);
  return value;
}

function constructorRecord(name: string, method: string | null, args: unknown[]) {
  return { lc: 2, type: "constructor", id: [name], method, args, kwargs: {} };
}

function isSend(value: unknown): value is { node: unknown; args: unknown; timeout?: unknown } {
  return (
    typeof value === "object" && value !== null && "lg_name" in value && value.lg_name === "Send"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return Array.isArray(value) ? "array" : (value.constructor?.name ?? "object");
}
