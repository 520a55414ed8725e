/** `@langchain/langgraph-sdk` clients for tests against a LangGraph server with this project's auth. */
import { Client } from "@langchain/langgraph-sdk";
import { expect } from "vitest";

/** A client that sends `token` as a bearer JWT (none: no Authorization header) and never retries. */
export function clientWithToken(apiUrl: string, token?: string): Client {
  return new Client({
    apiUrl,
    defaultHeaders: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    callerOptions: { maxRetries: 0 },
  });
}

/** The HTTP status and message of the SDK's error for a refused request. */
export async function refusalOf(
  request: Promise<unknown>,
): Promise<{ status: number; message: string }> {
  try {
    await request;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    expect(typeof status).toBe("number");
    return { status: status as number, message: (error as Error).message };
  }
  return expect.fail("the request succeeded");
}
