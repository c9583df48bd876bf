/**
 * A synchronous step behind a Promise-returning port (in-memory stores, bookkeeping settlements):
 * its value resolves, and a throw becomes a rejection exactly as in an async function, so
 * callers see the same behaviour as from the real adapters.
 */
export function promised<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}
