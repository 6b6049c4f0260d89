import { checkBoolean, checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import { isEventDefinition, type EventDefinition } from '../event/event-definition';
import {
  DEFAULT_REDACTED_KEYS,
  DEFAULT_REDACTION_MARKER,
  type ResolvedRedaction,
} from '../event/key-redactor';
import { explainPattern } from '../event/event-type';
import type { EventPattern, RetryPolicy } from './bus.interfaces';
import type { BusTelemetry } from './ports/bus-telemetry.port';
import type { EventTransport } from './ports/event-transport.port';
import { DEFAULT_MAX_CAUSATION_DEPTH } from './causation-depth';
import { resolveRetryPolicy, type ResolvedRetryPolicy } from './retry-policy';

/** History kept in memory for `history()` queries. */
export interface HistoryOptions {
  /** Default 1000. */
  maxEvents?: number;
  /** Estimated heap bytes of the kept events; default 10 MiB. */
  maxBytes?: number;
  /** Keep `debug`-severity events too (`http.request.started`, say); default false. */
  debug?: boolean;
}

/** The module options the bus itself reads (part of `EventsModuleOptions`). */
export interface BusModuleOptions {
  /** Stamped on every event as `source`; default `app`. */
  source?: string;
  /** Reject event types (emitted or listened to) that no definition declares. */
  strict?: boolean;
  /** Event definitions known up front (definitions used in `emit()` or `@OnEvent()` are learned as they come). */
  definitions?: readonly EventDefinition<unknown, unknown>[];
  /** `false` turns history off. */
  history?: false | HistoryOptions;
  /**
   * Dead letters kept in memory: the newest `maxEntries` (default 1000) within `maxBytes` of estimated heap
   * (default 10 MiB; a letter keeps its whole event). A letter larger than `maxBytes` alone is not kept.
   */
  deadLetters?: { maxEntries?: number; maxBytes?: number };
  /** Default policy for listeners without their own; default `{ attempts: 1 }` (no retry). */
  retry?: RetryPolicy;
  /** How many events emitted before startup completes are held for delivery; default 10,000. */
  maxHeldEvents?: number;
  /**
   * Carries distributed events to other processes (`RedisStreamsTransport` from `nestjs-event-bus/redis`).
   * Default: in-process, where a distributed event is handled like any other.
   */
  transport?: EventTransport;
  /**
   * Types or patterns of events to distribute besides those whose definition says `distributed: true` (for
   * events emitted by string type).
   */
  distributed?: readonly EventPattern[];
  /**
   * How many handler hops a chain of events may go (an event emitted by a handler is one hop deeper than the
   * event it handles); default 32. A deeper emit throws `CausationDepthError` into the handler that emitted, which
   * dead-letters it: handlers that re-emit their own events stop instead of looping.
   */
  maxCausationDepth?: number;
  /**
   * Tracing of emits, publishes, deliveries and handler attempts (`openTelemetry()` from
   * `nestjs-event-bus/otel`). Default none, at no cost. See docs/tracing.md.
   */
  telemetry?: BusTelemetry;
}

/** The bus's options with every default applied; provided under `BUS_OPTIONS` by the module. */
export interface BusOptions {
  readonly source: string;
  readonly strict: boolean;
  readonly definitions: readonly EventDefinition<unknown, unknown>[];
  readonly history:
    false | { readonly maxEvents: number; readonly maxBytes: number; readonly debug: boolean };
  readonly deadLetters: { readonly maxEntries: number; readonly maxBytes: number };
  readonly retry: ResolvedRetryPolicy;
  readonly maxHeldEvents: number;
  readonly maxCausationDepth: number;
  /** Payload key redaction for every event (configured as `audit.redact`). */
  readonly redaction: ResolvedRedaction;
  /** The module's transport when it is remote (events leave the process); undefined for in-process. */
  readonly transport: EventTransport | undefined;
  /** Patterns of string types to distribute (definitions given in `distributed` are in `definitions`). */
  readonly distributed: readonly string[];
  /** The tracing hooks, when configured. */
  readonly telemetry: BusTelemetry | undefined;
}

/** Injection token of the bus's resolved `BusOptions`. */
export const BUS_OPTIONS = Symbol('nestjs-event-bus:bus-options');

/** The history ring is allocated up front: a bound keeps a typo from allocating gigabytes at startup. */
const MAX_HISTORY_EVENTS = 1_000_000;
const DEFAULT_HISTORY_BYTES = 10 * 1024 * 1024;
const DEFAULT_DEAD_LETTER_BYTES = 10 * 1024 * 1024;

/** Applies the bus's defaults and checks its options; a wrong one throws `EventsConfigError` naming it. */
export function resolveBusOptions(options: BusModuleOptions, redaction: ResolvedRedaction): BusOptions {
  return {
    source: checkSource(options.source),
    strict: checkBoolean('strict', options.strict, false),
    definitions: checkDefinitions(options.definitions),
    history: checkHistory(options.history),
    deadLetters: checkDeadLetters(options.deadLetters),
    retry: checkRetry(options.retry),
    maxHeldEvents: checkNumber('maxHeldEvents', options.maxHeldEvents, 10_000, { min: 1, integer: true }),
    maxCausationDepth: checkNumber(
      'maxCausationDepth',
      options.maxCausationDepth,
      DEFAULT_MAX_CAUSATION_DEPTH,
      {
        min: 1,
        max: 10_000,
        integer: true,
      },
    ),
    redaction,
    transport: checkTransport(options.transport),
    distributed: checkDistributed(options.distributed),
    telemetry: checkTelemetry(options.telemetry),
  };
}

function checkTelemetry(telemetry: unknown): BusTelemetry | undefined {
  if (telemetry === undefined) return undefined;
  const candidate = telemetry as Partial<BusTelemetry> | null;
  if (
    !isRecord(candidate) ||
    typeof candidate.startAttempt !== 'function' ||
    typeof candidate.active !== 'function'
  ) {
    throw new EventsConfigError(
      'telemetry',
      'a BusTelemetry (for example openTelemetry() from nestjs-event-bus/otel)',
      telemetry,
    );
  }
  return candidate as BusTelemetry;
}

function checkTransport(transport: unknown): EventTransport | undefined {
  if (transport === undefined) return undefined;
  const candidate = transport as Partial<EventTransport> | null;
  if (
    !isRecord(candidate) ||
    typeof candidate.publish !== 'function' ||
    typeof candidate.consume !== 'function' ||
    typeof candidate.close !== 'function'
  ) {
    throw new EventsConfigError(
      'transport',
      'an EventTransport (for example new RedisStreamsTransport() from nestjs-event-bus/redis)',
      transport,
    );
  }
  return candidate.remote === true ? (candidate as EventTransport) : undefined;
}

function checkDistributed(distributed: unknown): readonly string[] {
  if (distributed === undefined) return [];
  if (!Array.isArray(distributed)) {
    throw new EventsConfigError(
      'distributed',
      'an array of event types, patterns or definitions',
      distributed,
    );
  }
  return distributed.map((pattern: unknown, i) => {
    if (isEventDefinition(pattern)) return pattern.type;
    const problem = explainPattern(pattern);
    if (problem !== undefined)
      throw new EventsConfigError(`distributed[${i}]`, `an event type or pattern (${problem})`, pattern);
    return pattern as string;
  });
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

function checkHistory(history: unknown): BusOptions['history'] {
  if (history === false) return false;
  if (history === undefined) return { maxEvents: 1000, maxBytes: DEFAULT_HISTORY_BYTES, debug: false };
  if (!isRecord(history)) {
    throw new EventsConfigError('history', 'false or { maxEvents?, maxBytes?, debug? }', history);
  }
  rejectUnknownKeys('history', history, ['maxEvents', 'maxBytes', 'debug']);
  return {
    maxEvents: checkNumber('history.maxEvents', history.maxEvents, 1000, {
      min: 1,
      max: MAX_HISTORY_EVENTS,
      integer: true,
    }),
    maxBytes: checkNumber('history.maxBytes', history.maxBytes, DEFAULT_HISTORY_BYTES, {
      min: 1,
      integer: true,
    }),
    debug: checkBoolean('history.debug', history.debug, false),
  };
}

function checkDeadLetters(deadLetters: unknown): BusOptions['deadLetters'] {
  if (deadLetters === undefined) return { maxEntries: 1000, maxBytes: DEFAULT_DEAD_LETTER_BYTES };
  if (!isRecord(deadLetters)) {
    throw new EventsConfigError('deadLetters', '{ maxEntries?, maxBytes? }', deadLetters);
  }
  rejectUnknownKeys('deadLetters', deadLetters, ['maxEntries', 'maxBytes']);
  return {
    maxEntries: checkNumber('deadLetters.maxEntries', deadLetters.maxEntries, 1000, {
      min: 1,
      integer: true,
    }),
    maxBytes: checkNumber('deadLetters.maxBytes', deadLetters.maxBytes, DEFAULT_DEAD_LETTER_BYTES, {
      min: 1,
      integer: true,
      unit: 'bytes',
    }),
  };
}

function checkRetry(retry: unknown): ResolvedRetryPolicy {
  return resolveRetryPolicy(retry, 'retry');
}

/** Internal: tells the bus to hold events until listener discovery completes (the module sets it). */
export const HOLD_UNTIL_READY = Symbol('nestjs-event-bus:hold-until-ready');

const BUS_KEYS: readonly (keyof BusModuleOptions)[] = [
  'source',
  'strict',
  'definitions',
  'history',
  'deadLetters',
  'retry',
  'maxHeldEvents',
  'transport',
  'distributed',
  'maxCausationDepth',
  'telemetry',
];

/** Options for a bus made without Nest: resolved ones as they are, else the bus's own, checked. */
export function busOptionsOf(options: BusOptions | BusModuleOptions | undefined): BusOptions {
  if (options !== undefined && isRecord(options) && 'redaction' in options)
    return options as unknown as BusOptions;
  const given = options ?? {};
  if (!isRecord(given)) throw new EventsConfigError('(options)', 'an object', given);
  rejectUnknownKeys('(bus options)', given, BUS_KEYS);
  return resolveBusOptions(given, { keys: DEFAULT_REDACTED_KEYS, marker: DEFAULT_REDACTION_MARKER });
}
