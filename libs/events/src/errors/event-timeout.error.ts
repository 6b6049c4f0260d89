/** Thrown (as a rejection) by `waitFor()` and `drain()` when the time limit passes first. */
export class EventTimeoutError extends Error {
  override readonly name = 'EventTimeoutError';

  constructor(
    message: string,
    /** The time limit that passed, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
