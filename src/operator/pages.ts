import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Yields the pages of `pages` while the next one is already being fetched, so
 * that processing a page overlaps the round trip for the next. At most two
 * pages are held at once.
 *
 * A page is yielded one turn of the event loop after the next page was asked
 * for: an HTTP client writes a request to its socket on a later turn, and the
 * caller's synchronous work on the page would otherwise hold the request back
 * until it is done, leaving the server idle meanwhile.
 *
 * `prepare(page)` runs before the next page is asked for, and the page is
 * yielded once it is done: the small lookups a page needs first (its courses'
 * outcomes) are not queued behind a whole page on the wire and on the server.
 */
export async function* readAhead<T>(
  pages: AsyncIterable<T>,
  prepare: (page: T) => Promise<void> = async () => undefined,
): AsyncGenerator<T, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  // A prefetch's failure surfaces where it is awaited; one never awaited (the
  // consumer stopped first, or a turn passes before the await) must not
  // surface as an unhandled rejection.
  const ask = (): Promise<IteratorResult<T>> => {
    const next = iterator.next();
    next.catch(() => undefined);
    return next;
  };
  let next = ask();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) {
        finished = true;
        return;
      }
      await prepare(result.value);
      next = ask();
      await nextTurn();
      yield result.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}
