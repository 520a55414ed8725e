/**
 * Yields the pages of `pages` while the next one is already being fetched, so
 * that processing a page overlaps the round trip for the next. At most two
 * pages are held at once.
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
  let next: Promise<IteratorResult<T>> | undefined = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      next = undefined;
      if (result.done === true) {
        finished = true;
        return;
      }
      await prepare(result.value);
      next = iterator.next();
      yield result.value;
    }
  } finally {
    if (!finished) {
      // The consumer stopped early (its own error propagates): the prefetch's
      // outcome no longer matters, but must not surface as an unhandled rejection.
      next?.catch(() => undefined);
      await iterator.return?.();
    }
  }
}
