/**
 * node-appwrite's Client with the two things the adapter needs and the SDK
 * lacks: a timeout per request (the SDK waits forever) and the rate-limit
 * headers of a failed response (its AppwriteException drops them). Only the
 * JSON endpoints of TablesDB and Account go through it; `call` mirrors the
 * SDK's own, with `prepareRequest` (the SDK's) building the request.
 *
 * Requests go through Node's own `http`/`https` (keep-alive by default since
 * Node 19) rather than the SDK's undici: Node's HTTP client is part of Node
 * and loads in no time, undici is 680 KB of JavaScript that made every
 * command start about 0.1 s later, and Node's built-in `fetch` loads lazily
 * and made the first request some 50 ms slower. The bundled CLI leaves undici
 * out altogether (./sdk-undici.ts).
 */
import { AppwriteException, Client, type Payload } from "node-appwrite";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";

/** An Appwrite error response, with how long the server asked the client to wait, if it said. */
export class AppwriteHttpError extends AppwriteException {
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    status: number,
    type: string,
    response: string,
    retryAfterMs: number | undefined,
  ) {
    super(message, status, type, response);
    this.name = "AppwriteHttpError";
    this.retryAfterMs = retryAfterMs;
  }
}

const ErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  type: z.string().optional(),
});

export class TimedClient extends Client {
  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override async call(
    method: string,
    url: URL,
    headers: Record<string, string> = {},
    params: Payload = {},
    responseType = "json",
  ): Promise<unknown> {
    if (responseType !== "json")
      throw new Error(`TimedClient only serves JSON endpoints, not ${responseType}`);
    // The SDK serializes JSON bodies with json-bigint, several times slower than
    // JSON.stringify on a bulk write's rows; the adapter never sends a bigint.
    const jsonBody =
      method.toUpperCase() !== "GET" &&
      { ...this.headers, ...headers }["content-type"] === "application/json";
    const { uri, options } = this.prepareRequest(method, url, headers, jsonBody ? {} : params);
    const body = jsonBody ? JSON.stringify(params) : options.body;
    if (body !== undefined && body !== null && typeof body !== "string") {
      throw new Error("TimedClient only sends JSON bodies");
    }
    const response = await send(new URL(uri), {
      method: method.toUpperCase(),
      headers: { ...this.headers, ...headers },
      body: body ?? undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = response.body;
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const json = header("content-type")?.includes("application/json") ? parseJson(text) : undefined;
    if (response.status >= 400) {
      const error = ErrorBodySchema.safeParse(json);
      const message = (error.success ? error.data.message : undefined) ?? text;
      const type = (error.success ? error.data.type : undefined) ?? "";
      throw new AppwriteHttpError(
        message,
        response.status,
        type,
        text,
        retryAfterMs(header, this.now()),
      );
    }
    return json ?? { message: text };
  }
}

interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request, resolved with the whole body once it has arrived. Fails with
 * the socket's error (ECONNREFUSED, ECONNRESET, ...) or the signal's
 * (TimeoutError), which ./retry.ts classifies.
 */
function send(
  url: URL,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    signal: AbortSignal;
  },
): Promise<HttpResponse> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: init.method, headers: init.headers, signal: init.signal },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        // A body cut short (the connection closed, or the signal fired) fails with
        // ECONNRESET "aborted" or the signal's TimeoutError, and never ends.
        incoming.on("error", reject);
        incoming.on("end", () => {
          const status = incoming.statusCode;
          // Always set on a client's response; checked rather than defaulted.
          if (status === undefined)
            reject(new Error(`no HTTP status in the response to ${url.pathname}`));
          else
            resolve({
              status,
              headers: incoming.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`Appwrite answered with invalid JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}

/**
 * The wait a response asks for: `Retry-After` (seconds or an HTTP date; sent
 * by proxies and gateways in front of Appwrite) first, else Appwrite's own
 * `X-RateLimit-Reset` (epoch seconds at which the rate-limit window resets).
 */
export function retryAfterMs(
  header: (name: string) => string | undefined,
  now: number,
): number | undefined {
  const retryAfter = header("retry-after")?.trim();
  if (retryAfter !== undefined && retryAfter !== "") {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = header("x-ratelimit-reset")?.trim();
  if (reset !== undefined && reset !== "") {
    const epochSeconds = Number(reset);
    if (Number.isFinite(epochSeconds)) return Math.max(0, epochSeconds * 1000 - now);
  }
  return undefined;
}
