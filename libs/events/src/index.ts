// The public API of nestjs-event-bus. Anything not exported here is internal and may change.
export { EventsModule, type EventsModuleAsyncOptions } from './module/events.module';
export type { EventsModuleOptions, HistoryOptions } from './module/events-module.options';
export { EVENTS_MODULE_OPTIONS } from './module/events.tokens';

export type { BusEvent, EventSeverity } from './event/bus-event.interface';
export { defineEvent, isEventDefinition } from './event/event-definition';
export type {
  EventDefinition,
  EventDefinitionOptions,
  EventData,
  EventInput,
} from './event/event-definition';
export { parseEvent } from './event/event.parser';
export { decodeEvent, encodeEvent } from './event/event.codec';
export type { EncodedEvent, EventTraceContext } from './event/event.codec';
export { isValidEventType } from './event/event-type';

export { EventBusService } from './bus/event-bus.service';
export type {
  DeadLetter,
  DeadLetterQuery,
  EmitOptions,
  EmitResult,
  EventBusStats,
  EventHandler,
  EventMiddleware,
  EventPattern,
  HandlerFailure,
  HandlerStats,
  HistoryQuery,
  ListenerOptions,
  RetryPolicy,
  Subscription,
} from './bus/bus.interfaces';
export type { BusObserver, HandlerOutcome } from './bus/bus-observer';
export { SystemStartup, SystemShutdown, HandlerFailed } from './bus/system-events';

export { OnEvent } from './listeners/on-event.decorator';
export type { OnEventOptions } from './listeners/on-event.decorator';
export { EventPriority } from './listeners/event-priority';

export { EventContext } from './context/event-context';
export type { EventContextRunOptions } from './context/event-context';
export { Correlated } from './context/correlated.decorator';
export type { CorrelationOptions } from './context/correlation.options';
export { sanitizeCorrelationId, traceIdFromTraceparent } from './context/correlation-id';
export { HttpRequestStarted, HttpRequestCompleted, HttpRequestFailed } from './context/http-request.events';
export type { HttpRequestInfo } from './context/http-request.events';

export { EventMetrics } from './metrics/event-metrics';
export type { MetricsOptions, MetricsRegistry } from './metrics/metrics.options';
export { MetricsDisabledError } from './metrics/metrics-disabled.error';
export { MissingPeerDependencyError } from './errors/missing-peer-dependency.error';
export { EventsHealthIndicator } from './health/events-health.indicator';
export type {
  AuditHealthOptions,
  BusHealthOptions,
  EventsHealthResult,
  EventsHealthStatus,
  IndicatorDetails,
} from './health/events-health.indicator';
export type { EventLogOptions } from './event-log/event-log.options';
export type { EventLogEntry } from './event-log/event-log';

export * from './audit';

export type {
  BridgesOptions,
  CqrsBridgeOptions,
  EmitterEventName,
  EventEmitterBridgeOptions,
} from './bridges/bridge.options';
export { BridgeUnavailableError } from './bridges/bridge-unavailable.error';
export {
  CommandExecutionStarted,
  CommandExecutionCompleted,
  CommandExecutionFailed,
} from './bridges/command-events';

export * from './errors';
