import type { BusEvent } from './bus-event.interface';
import { parseJsonText, readEvent } from './event.codec';

/**
 * Reads a `BusEvent` back from JSON text (or an already parsed value), checking every field, and returns it
 * deep-frozen. Throws `EventValidationError` listing every problem when the input is not a well-formed event.
 * The rules are the codec's (`decodeEvent`), without headers to compare.
 */
export function parseEvent<T = unknown>(input: string | unknown): BusEvent<T> {
  return readEvent(typeof input === 'string' ? parseJsonText(input) : input) as BusEvent<T>;
}
