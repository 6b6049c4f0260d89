import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/**
 * Options of the `eventLog` module option: one log line per event (ids, type, severity, source and payload
 * size; never payload values). Off unless given.
 */
export interface EventLogOptions {
  /** Share of `debug` events logged, from 0 (none) to 1 (all, the default); e.g. 0.1 logs every tenth. */
  sampleDebug?: number;
  /**
   * `text` (default): one `key=value` line per event, readable with Nest's default console logger.
   * `json`: the fields as an object, for JSON loggers (`new ConsoleLogger({ json: true })`, pino, winston).
   */
  format?: 'text' | 'json';
  /** The logger context; default `EventLog`. */
  context?: string;
}

/** `eventLog` with its defaults applied. */
export interface ResolvedEventLogOptions {
  sampleDebug: number;
  format: 'text' | 'json';
  context: string;
}

const KNOWN_KEYS: readonly (keyof EventLogOptions)[] = ['sampleDebug', 'format', 'context'];

/** Injection token of the resolved event log options (`false` when the log is off). */
export const EVENT_LOG_OPTIONS = Symbol('nestjs-event-bus:event-log-options');

/** Applies defaults to the `eventLog` option and validates it; `undefined` and `false` both mean off. */
export function resolveEventLogOptions(value: unknown): ResolvedEventLogOptions | false {
  if (value === undefined || value === false) return false;
  if (value === true) return { sampleDebug: 1, format: 'text', context: 'EventLog' };
  if (!isRecord(value)) {
    throw new EventsConfigError('eventLog', 'false, true or { sampleDebug?, format?, context? }', value);
  }
  rejectUnknownKeys('eventLog', value, KNOWN_KEYS);
  const { format, context } = value as EventLogOptions;
  const sampleDebug = checkNumber('eventLog.sampleDebug', value.sampleDebug, 1, { max: 1 });
  if (format !== undefined && format !== 'text' && format !== 'json') {
    throw new EventsConfigError('eventLog.format', '"text" or "json"', format);
  }
  if (
    context !== undefined &&
    (typeof context !== 'string' || context.length === 0 || context.length > 100)
  ) {
    throw new EventsConfigError('eventLog.context', 'a non-empty string of at most 100 characters', context);
  }
  return {
    sampleDebug,
    format: format ?? 'text',
    context: context ?? 'EventLog',
  };
}
