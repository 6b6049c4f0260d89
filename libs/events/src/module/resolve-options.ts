import type { RetryPolicy } from '../bus/bus.interfaces';
import { resolveRetryPolicy, type ResolvedRetryPolicy } from '../bus/retry-policy';
import {
  resolveCorrelationOptions,
  type ResolvedCorrelationOptions,
} from '../correlation/correlation.options';
import { EventsConfigError } from '../errors/events-config.error';
import { isEventDefinition, type EventDefinition } from '../event/event-definition';
import { resolveEventLogOptions, type ResolvedEventLogOptions } from '../event-log/event-log.options';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from '../metrics/metrics.options';
import {
  resolveAuditOptions,
  resolveRedaction,
  type ResolvedAuditOptions,
  type ResolvedRedaction,
} from '../audit/audit-options';
import { resolveBridgesOptions, type ResolvedBridges } from '../bridges/bridge.options';
import type { EventsModuleOptions } from './events-module.options';
import { resolveBusOptions, type BusOptions } from '../bus/bus.options';
import { checkBoolean, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';

/** Options with every default applied, checked once at startup. */
export interface ResolvedEventsOptions {
  source: string;
  strict: boolean;
  definitions: readonly EventDefinition<unknown, unknown>[];
  history: false | { maxEvents: number; maxBytes: number };
  deadLetters: { maxEntries: number };
  retry: ResolvedRetryPolicy;
  shutdownTimeoutMs: number;
  maxHeldEvents: number;
  correlation: false | ResolvedCorrelationOptions;
  metrics: false | ResolvedMetricsOptions;
  eventLog: false | ResolvedEventLogOptions;
  audit: false | ResolvedAuditOptions;
  /** Payload key redaction for every event (from `audit.redact`; on by default). */
  redaction: ResolvedRedaction;
  bridges: ResolvedBridges;
  /** What the bus itself reads, provided under `BUS_OPTIONS`. */
  bus: BusOptions;
}

const KNOWN_OPTIONS: readonly (keyof EventsModuleOptions)[] = [
  'source',
  'strict',
  'definitions',
  'history',
  'deadLetters',
  'retry',
  'shutdownTimeoutMs',
  'maxHeldEvents',
  'correlation',
  'metrics',
  'eventLog',
  'audit',
  'bridges',
];

/** Applies defaults and validates; a wrong option throws `EventsConfigError` naming it. */
export function resolveEventsOptions(options: EventsModuleOptions = {}): ResolvedEventsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EventsConfigError('(options)', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      throw new EventsConfigError(key, `one of the known options (${KNOWN_OPTIONS.join(', ')})`, key);
    }
  }
  const redaction = resolveRedaction(options.audit);
  return {
    bus: resolveBusOptions(options, redaction),
    source: checkSource(options.source),
    strict: checkBoolean('strict', options.strict, false),
    definitions: checkDefinitions(options.definitions),
    history: checkHistory(options.history),
    deadLetters: checkDeadLetters(options.deadLetters),
    retry: checkRetry(options.retry),
    shutdownTimeoutMs: nonNegative('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000),
    maxHeldEvents: positiveInt('maxHeldEvents', options.maxHeldEvents, 10_000),
    correlation: resolveCorrelationOptions(options.correlation),
    metrics: resolveMetricsOptions(options.metrics),
    eventLog: resolveEventLogOptions(options.eventLog),
    audit: resolveAuditOptions(options.audit),
    redaction,
    bridges: resolveBridgesOptions(options.bridges),
  };
}

function checkSource(source: unknown): string {
  if (source === undefined) return 'app';
  if (typeof source !== 'string' || source.trim() === '' || source.length > 200) {
    throw new EventsConfigError('source', 'a non-empty string of at most 200 characters', source);
  }
  return source;
}

function checkDefinitions(definitions: unknown): readonly EventDefinition<unknown, unknown>[] {
  if (definitions === undefined) return [];
  if (!Array.isArray(definitions) || !definitions.every(isEventDefinition)) {
    throw new EventsConfigError('definitions', 'an array of defineEvent() results', definitions);
  }
  return definitions;
}

function checkHistory(history: unknown): ResolvedEventsOptions['history'] {
  if (history === false) return false;
  if (history === undefined) return { maxEvents: 1000, maxBytes: 10 * 1024 * 1024 };
  if (typeof history !== 'object' || history === null) {
    throw new EventsConfigError('history', 'false or { maxEvents?, maxBytes? }', history);
  }
  rejectUnknownKeys('history', history, ['maxEvents', 'maxBytes']);
  const { maxEvents, maxBytes } = history as { maxEvents?: unknown; maxBytes?: unknown };
  return {
    maxEvents: positiveInt('history.maxEvents', maxEvents, 1000, MAX_HISTORY_EVENTS),
    maxBytes: positiveInt('history.maxBytes', maxBytes, 10 * 1024 * 1024),
  };
}

function checkDeadLetters(deadLetters: unknown): ResolvedEventsOptions['deadLetters'] {
  if (deadLetters === undefined) return { maxEntries: 1000 };
  if (!isRecord(deadLetters)) {
    throw new EventsConfigError('deadLetters', '{ maxEntries? }', deadLetters);
  }
  rejectUnknownKeys('deadLetters', deadLetters, ['maxEntries']);
  return {
    maxEntries: positiveInt('deadLetters.maxEntries', deadLetters.maxEntries, 1000),
  };
}

function checkRetry(retry: RetryPolicy | undefined): ResolvedRetryPolicy {
  return resolveRetryPolicy(retry, 'retry');
}

/** The history ring is allocated up front: a bound keeps a typo from allocating gigabytes at startup. */
const MAX_HISTORY_EVENTS = 1_000_000;

function positiveInt(
  option: string,
  value: unknown,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a whole number >= 1' : `a whole number from 1 to ${max}`;
    throw new EventsConfigError(option, range, value);
  }
  return value;
}

function nonNegative(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EventsConfigError(option, 'a number of milliseconds >= 0', value);
  }
  return value;
}
