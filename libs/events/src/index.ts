// The public API of nestjs-event-bus. Anything not exported here is internal and may change.
export { EventsModule } from './module/events.module';
export type { EventsModuleOptions, HistoryOptions } from './module/events-module.options';
export { EVENTS_MODULE_OPTIONS } from './module/events.tokens';

export type { BusEvent, EventSeverity } from './event/bus-event.interface';
export { defineEvent, isEventDefinition } from './event/event-definition';
export type { EventDefinition, EventDefinitionOptions, EventData, EventInput } from './event/event-definition';
export { parseEvent } from './event/event.parser';
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
export { SystemStartup, SystemShutdown, HandlerFailed } from './bus/system-events';

export { OnEvent } from './listeners/on-event.decorator';
export type { OnEventOptions } from './listeners/on-event.decorator';
export { EventPriority } from './listeners/event-priority';

export { EventContext } from './context/event-context';
export type { EventContextRunOptions } from './context/event-context';
export { Correlated } from './context/correlated.decorator';

export * from './errors';
