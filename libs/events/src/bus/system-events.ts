import { defineEvent } from '../event/event-definition';

/** Emitted once listeners are discovered and the application has bootstrapped. */
export const SystemStartup = defineEvent<{ source: string; listeners: number }>('system.startup', {
  description: 'The application finished bootstrapping; listeners are discovered and held events delivered.',
});

/** Emitted when the application begins to shut down, before in-flight handlers are drained. */
export const SystemShutdown = defineEvent<{ source: string; inFlight: number }>('system.shutdown', {
  description: 'The application is shutting down; in-flight handlers are drained next.',
});

/** Emitted after a handler's last attempt failed and its failure went to the dead-letter queue. */
export const HandlerFailed = defineEvent<{
  deadLetterId: string;
  eventId: string;
  eventType: string;
  handler: string;
  error: string;
  attempts: number;
}>('event.handler.failed', {
  severity: 'error',
  description: 'A handler failed on its last attempt; the failure is in the dead-letter queue.',
});

/** Emitted in the process that emitted a distributed event the transport could not take (and dropped). */
export const PublishFailed = defineEvent<{
  eventId: string;
  eventType: string;
  transport: string;
  error: string;
}>('event.publish.failed', {
  severity: 'error',
  description: 'A distributed event could not be published and was lost; its local handlers had run.',
});

export const SYSTEM_DEFINITIONS = [SystemStartup, SystemShutdown, HandlerFailed, PublishFailed] as const;
