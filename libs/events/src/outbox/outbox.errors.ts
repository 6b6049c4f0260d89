import { EventsError } from '../errors/events.error';

/**
 * An outbox store could not be opened, prepared or reached, or was given a bad name: the message names the
 * database (never its credentials) and says what to check.
 */
export class OutboxStoreError extends EventsError {}
