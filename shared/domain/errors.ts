/**
 * A broken internal invariant: something that cannot happen unless this code (or a dependency it
 * is pinned to) has a bug, e.g. a caller that skipped a documented precondition. Not for bad
 * input, bad configuration or an unavailable service (those have their own error classes), and
 * nothing should catch it to carry on.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}
