import { EventsConfigError } from '../errors/events-config.error';

/** True for a non-null object that is not an array: the shape of every object option. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fallback` when `value` is undefined, else `value` if it is a boolean; throws `EventsConfigError` naming `option`. */
export function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new EventsConfigError(option, 'true or false', value);
  return value;
}
