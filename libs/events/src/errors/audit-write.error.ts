import { EventsError } from './events.error';

/** Audit records could not be written yet; they stay buffered and are retried. */
export class AuditWriteError extends EventsError {}
