/**
 * Yields the pages of `pages` while the next one is already being fetched, so
 * that processing a page overlaps the round trip for the next. At most two
 * pages are held at once.
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) {
        finished = true;
        return;
      }
      next = iterator.next();
      yield result.value;
    }
  } finally {
    if (!finished) {
      // The consumer stopped early (its own error propagates): the prefetch's
      // outcome no longer matters, but must not surface as an unhandled rejection.
      next.catch(() => undefined);
      await iterator.return?.();
    }
  }
}
