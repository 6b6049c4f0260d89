// The story's public surface (re-exported by the package index).
export { TraceService } from './trace.service';
export { MemoryTraceStore, type MemoryTraceStoreOptions } from './memory-trace.store';
export { TraceNotFoundException, TRACE_NOT_FOUND_MESSAGE } from './trace-not-found.exception';
export { TraceViewed } from './trace.events';
export type { TraceControllerOptions, TraceOptions } from './trace.options';
export type {
  EventTrace,
  TraceAttempt,
  TraceAttemptOutcome,
  TraceEvent,
  TraceHandler,
  TraceOrigin,
} from './trace.interfaces';
export type {
  RecordedAttempt,
  RecordedDeadLetter,
  RecordedEvent,
  TraceEntry,
  TraceStore,
} from './trace-store.port';
