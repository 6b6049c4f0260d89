/** Thrown at startup when an `EventsModule` option is wrong; the message names the option and what is allowed. */
export class EventsConfigError extends Error {
  override readonly name = 'EventsConfigError';

  constructor(
    /** The option path, e.g. `history.maxEvents`. */
    readonly option: string,
    /** What the option accepts. */
    readonly expected: string,
    received: unknown,
  ) {
    super(`Invalid EventsModule option "${option}": expected ${expected}, received ${describe(received)}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
