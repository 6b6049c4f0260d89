export * from './event-transport.port';
export * from './retry-scheduler.port';
export * from './dead-letter-store.port';
export * from './bus-telemetry.port';
export * from './outbox-store.port';
export * from './event-outbox.port';
