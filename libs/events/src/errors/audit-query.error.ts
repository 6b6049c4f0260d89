import { EventsError } from './events.error';

/** Thrown for a malformed `AuditService.query()` or `verify()` argument; the audit REST controller answers 400. */
export class AuditQueryError extends EventsError {}
