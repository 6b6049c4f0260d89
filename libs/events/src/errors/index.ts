export * from './event-validation.error';
export * from './event-timeout.error';
export * from './unknown-event-type.error';
export * from './events-config.error';
