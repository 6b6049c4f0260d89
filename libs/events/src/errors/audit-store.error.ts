import { EventsError } from './events.error';

/** The audit database could not be opened, reached or written; the message names it and says what to check. */
export class AuditStoreError extends EventsError {}
