/**
 * Runs `f` now and returns its result as a promise; a throw becomes a rejected promise, as it would
 * in an async function. For fakes of async ports whose work is synchronous.
 */
export function settle<T>(f: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(f()));
}
