export { EventRecorder } from './event-recorder';
export { InMemoryTransport, type InMemoryTransportOptions } from './in-memory.transport';
export { InMemoryBroker } from './in-memory.broker';
