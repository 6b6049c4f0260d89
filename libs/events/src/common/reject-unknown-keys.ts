import { EventsConfigError } from '../errors/events-config.error';

/**
 * Throws `EventsConfigError` naming `option.key` for the first key of `value` that is not in `known`: a misspelt key
 * would otherwise be ignored silently and its default used.
 */
export function rejectUnknownKeys(option: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new EventsConfigError(`${option}.${key}`, `one of ${known.join(', ')}`, key);
    }
  }
}
