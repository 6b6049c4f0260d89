import { EventsError } from './events.error';

/**
 * Thrown by an `AuditStore` to say that it refuses the records it was given (a value it cannot store), not that it
 * is failing: the audit writer then finds the refused record, writes a placeholder marked `$refused` in its place
 * and goes on with the records behind it, instead of retrying the same batch forever.
 */
export class AuditRecordRefusedError extends EventsError {}
