/**
 * What node-appwrite imports from undici, for the bundled CLI only
 * (vite.cli.config.ts aliases `undici` to this module). Every request the
 * adapter sends goes through TimedClient (./http.ts, Node's own HTTP client),
 * so the SDK's undici paths (its own `call`, file uploads, redirects and
 * self-signed certificates) are never taken; loading undici's 680 KB made
 * every command that reaches Appwrite start about 50 ms later. Should one be
 * taken after all, it fails loudly rather than sending a request some other
 * way. (Node's global `fetch` and its classes are no stand-ins: reading them
 * loads Node's own copy of undici.)
 */
function notBundled(what: string): Error {
  return new Error(
    `node-appwrite's ${what} is not available in the bundled CLI: its requests go through TimedClient`,
  );
}

export function fetch(): never {
  throw notBundled("fetch");
}

export class Agent {
  constructor() {
    throw notBundled("self-signed Agent");
  }
}

export class FormData {
  constructor() {
    throw notBundled("multipart upload");
  }
}

/** Nothing the CLI sends is a File: `instanceof File` is false for every value. */
export class File {}
