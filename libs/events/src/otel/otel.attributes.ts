/**
 * Attribute and event names the spans carry: the OpenTelemetry messaging conventions' own (copied as strings,
 * so that no semantic-conventions package is needed), then the bus's, under `nestjs_event_bus.`.
 */
export const ATTR = Object.freeze({
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  consumerGroup: 'messaging.consumer.group.name',
  batchCount: 'messaging.batch.message_count',
  errorType: 'error.type',
  eventType: 'nestjs_event_bus.event.type',
  eventSource: 'nestjs_event_bus.event.source',
  handler: 'nestjs_event_bus.handler.name',
  attempt: 'nestjs_event_bus.handler.attempt',
  deliveryAttempt: 'nestjs_event_bus.delivery.attempt',
  replay: 'nestjs_event_bus.replay',
  retryDelayMs: 'nestjs_event_bus.retry.delay_ms',
  deadLetterId: 'nestjs_event_bus.dead_letter.id',
} as const);

/** Span event names. */
export const SPAN_EVENT = Object.freeze({
  /** A failed attempt will be tried again (in this process, or by the transport after a delivery). */
  retry: 'nestjs_event_bus.retry',
  /** A failure went to the dead letters. */
  deadLetter: 'nestjs_event_bus.dead_letter',
} as const);

/** `messaging.system` of events that stay in the process, and of a transport that names no system. */
export const OWN_SYSTEM = 'nestjs-event-bus';

/** `messaging.operation.name`/`.type` values (the bus's operations are the conventions' types). */
export type MessagingOperation = 'create' | 'send' | 'process';
