// The public API of nestjs-event-bus. Anything not exported here is internal and may change.
export { EventsModule, type EventsModuleAsyncOptions } from './module/events.module';
export type { EventsModuleOptions } from './module/events-module.options';
export type { HistoryOptions } from './bus/bus.options';
export type { EventsOptionsFactory } from './module/events-options.factory';
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
  EmitAsyncOptions,
  EmitOptions,
  EmitResult,
  EventBusStats,
  EventHandler,
  EventMiddleware,
  EventPattern,
  HandlerFailure,
  HandlerResult,
  HandlerStats,
  HistoryQuery,
  ListenerInfo,
  ListenerOptions,
  ReplayQuery,
  RetryPolicy,
  Subscription,
} from './bus/bus.interfaces';
export type {
  ConsumeOptions,
  DeliverInbound,
  EventTransport,
  InboundDelivery,
  SettleReport,
  TransportChannel,
  TransportDescription,
  TransportHealth,
  TransportReplayQuery,
  TransportStats,
} from './bus/ports/event-transport.port';
export type { DeadLetterStore } from './bus/ports/dead-letter-store.port';
export type {
  AfterFailure,
  AttemptTrace,
  BusTelemetry,
  HandlerAttempt,
  TelemetryBusInfo,
} from './bus/ports/bus-telemetry.port';
export { InProcessTransport } from './bus/in-process.transport';
export type { BusObserver, HandlerOutcome } from './bus/bus-observer';
export { SystemStartup, SystemShutdown, HandlerFailed, PublishFailed } from './bus/system-events';

export { OnEvent } from './listeners/on-event.decorator';
export type { OnEventOptions } from './listeners/on-event.decorator';
export { EventPriority } from './listeners/event-priority';

export { EventContext } from './context/event-context';
export type { EventContextRunOptions } from './context/event-context';
export { Correlated } from './context/correlated.decorator';
export type { CorrelationOptions, HttpEventsOptions } from './correlation/correlation.options';
export type { ClientIdTrustCheck, TrustClientIdsOption, TrustedProxies } from './correlation/client-id-trust';
export { sanitizeCorrelationId, traceIdFromTraceparent } from './correlation/correlation-id';
export {
  HttpRequestStarted,
  HttpRequestCompleted,
  HttpRequestFailed,
} from './correlation/http-request.events';
export type { HttpRequestInfo } from './correlation/http-request.events';

export { EventMetrics } from './metrics/event-metrics';
export type { MetricsOptions, MetricsRegistry } from './metrics/metrics.options';
export { EventsHealthIndicator } from './health/events-health.indicator';
export { healthStatusOnly, type HealthResultLike } from './health/health-status';
export type {
  AuditHealthOptions,
  BusHealthOptions,
  OutboxHealthOptions,
  TransportHealthOptions,
} from './health/events-health.options';
export type {
  EventsHealthResult,
  EventsHealthStatus,
  IndicatorDetails,
} from './health/events-health.indicator';
export type { EventLogOptions } from './event-log/event-log.options';
export type { EventLogEntry } from './event-log/event-log';

export * from './audit';
export * from './trace';
export * from './asyncapi';
export { DEFAULT_REDACTED_KEYS, DEFAULT_REDACTION_MARKER } from './event/key-redactor';

export type {
  BridgesOptions,
  CqrsBridgeOptions,
  EmitterEventName,
  EventEmitterBridgeOptions,
} from './bridges/bridges.options';
export {
  CommandExecutionStarted,
  CommandExecutionCompleted,
  CommandExecutionFailed,
} from './bridges/command-events';

export * from './errors';
