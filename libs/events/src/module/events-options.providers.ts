import type { Provider } from '@nestjs/common';
import { ASYNCAPI_OPTIONS } from '../asyncapi/asyncapi.options';
import { AUDIT_OPTIONS } from '../audit/audit.options';
import { BRIDGES_OPTIONS } from '../bridges/bridges.options';
import { BUS_OPTIONS } from '../bus/bus.options';
import { CORRELATION_OPTIONS } from '../correlation/correlation.options';
import { EVENT_LOG_OPTIONS } from '../event-log/event-log.options';
import { DISCOVERY_OPTIONS } from '../listeners/discovery.options';
import { METRICS_OPTIONS } from '../metrics/metrics.options';
import { OUTBOX_OPTIONS } from '../outbox/outbox-module.options';
import { TRACE_OPTIONS } from '../trace/trace.options';
import type { EventsModuleOptions } from './events-module.options';
import { EVENTS_MODULE_OPTIONS } from './events.tokens';
import { resolveEventsOptions, type ResolvedEventsOptions } from './resolve-options';

/** Internal: every option with its default applied, resolved once from the options given to the module. */
export const RESOLVED_EVENTS_OPTIONS = Symbol('nestjs-event-bus:resolved-options');
/** Internal: how long `app.close()` waits for in-flight handlers, in ms. */
export const SHUTDOWN_TIMEOUT_MS = Symbol('nestjs-event-bus:shutdown-timeout-ms');

type Part = (options: ResolvedEventsOptions) => unknown;

/** One token per feature, each holding its own part of the resolved options. */
const FEATURE_PARTS: readonly (readonly [symbol, Part])[] = [
  [BUS_OPTIONS, (o) => o.bus],
  [CORRELATION_OPTIONS, (o) => o.correlation],
  [METRICS_OPTIONS, (o) => o.metrics],
  [EVENT_LOG_OPTIONS, (o) => o.eventLog],
  [AUDIT_OPTIONS, (o) => o.audit],
  [BRIDGES_OPTIONS, (o) => o.bridges],
  [TRACE_OPTIONS, (o) => o.trace],
  [ASYNCAPI_OPTIONS, (o) => o.asyncapi],
  [OUTBOX_OPTIONS, (o) => o.outbox],
  [DISCOVERY_OPTIONS, (o) => o.discovery],
  [SHUTDOWN_TIMEOUT_MS, (o) => o.shutdownTimeoutMs],
];

/** The feature option tokens, exported by `EventsModule` so the modules it imports can inject them. */
export const FEATURE_OPTION_TOKENS: readonly symbol[] = FEATURE_PARTS.map(([token]) => token);

/** Resolves the module's options once and provides each feature's part under its token. */
export const EVENTS_OPTIONS_PROVIDERS: Provider[] = [
  {
    provide: RESOLVED_EVENTS_OPTIONS,
    inject: [{ token: EVENTS_MODULE_OPTIONS, optional: true }],
    useFactory: (options?: EventsModuleOptions) => resolveEventsOptions(options),
  },
  ...FEATURE_PARTS.map(([token, part]) => ({
    provide: token,
    inject: [RESOLVED_EVENTS_OPTIONS],
    useFactory: part,
  })),
];
