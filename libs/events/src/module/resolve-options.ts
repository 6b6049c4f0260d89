import { resolveAsyncApiOptions, type ResolvedAsyncApiOptions } from '../asyncapi/asyncapi.options';
import { resolveAuditOptions, resolveRedaction, type ResolvedAuditOptions } from '../audit/audit.options';
import { resolveBridgesOptions, type ResolvedBridges } from '../bridges/bridges.options';
import { resolveBusOptions, type BusOptions } from '../bus/bus.options';
import { checkNumber } from '../common/option-checks';
import {
  resolveCorrelationOptions,
  type ResolvedCorrelationOptions,
} from '../correlation/correlation.options';
import { EventsConfigError } from '../errors/events-config.error';
import { resolveEventLogOptions, type ResolvedEventLogOptions } from '../event-log/event-log.options';
import { resolveMetricsOptions, type ResolvedMetricsOptions } from '../metrics/metrics.options';
import { resolveOutboxOptions, type ResolvedOutboxOptions } from '../outbox/outbox-module.options';
import { resolveTraceOptions, type ResolvedTraceOptions } from '../trace/trace.options';
import type { EventsModuleOptions } from './events-module.options';
import { resolveDiscoveryOptions, type DiscoveryOptions } from '../listeners/discovery.options';

/** Every option with its defaults applied, checked once at startup; each feature is given its own part. */
export interface ResolvedEventsOptions {
  /** What the bus itself reads, provided under `BUS_OPTIONS`. */
  readonly bus: BusOptions;
  /** How long `app.close()` waits for in-flight handlers, in ms; provided under `SHUTDOWN_TIMEOUT_MS`. */
  readonly shutdownTimeoutMs: number;
  readonly correlation: false | ResolvedCorrelationOptions;
  readonly metrics: false | ResolvedMetricsOptions;
  readonly eventLog: false | ResolvedEventLogOptions;
  readonly audit: false | ResolvedAuditOptions;
  readonly bridges: ResolvedBridges;
  readonly trace: ResolvedTraceOptions;
  readonly asyncapi: false | ResolvedAsyncApiOptions;
  /** The transactional outbox, provided under `OUTBOX_OPTIONS`. */
  readonly outbox: false | ResolvedOutboxOptions;
  /** What listener discovery reads, provided under `DISCOVERY_OPTIONS`. */
  readonly discovery: DiscoveryOptions;
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
  'transport',
  'distributed',
  'maxCausationDepth',
  'telemetry',
  'correlation',
  'metrics',
  'eventLog',
  'audit',
  'bridges',
  'trace',
  'asyncapi',
  'outbox',
  'verbose',
];

/**
 * Applies defaults and validates, by composing each feature's resolver; a wrong option throws `EventsConfigError`
 * naming it.
 */
export function resolveEventsOptions(options: EventsModuleOptions = {}): ResolvedEventsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EventsConfigError('(options)', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      throw new EventsConfigError(key, `one of the known options (${KNOWN_OPTIONS.join(', ')})`, key);
    }
  }
  const bus = resolveBusOptions(options, resolveRedaction(options.audit));
  return {
    bus,
    shutdownTimeoutMs: checkNumber('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, {
      unit: 'milliseconds',
    }),
    correlation: resolveCorrelationOptions(options.correlation),
    metrics: resolveMetricsOptions(options.metrics),
    eventLog: resolveEventLogOptions(options.eventLog),
    audit: resolveAuditOptions(options.audit),
    bridges: resolveBridgesOptions(options.bridges),
    trace: resolveTraceOptions(options.trace),
    asyncapi: resolveAsyncApiOptions(options.asyncapi),
    outbox: resolveOutboxOptions(options.outbox),
    discovery: resolveDiscoveryOptions(options),
  };
}
