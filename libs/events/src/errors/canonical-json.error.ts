import { EventsError } from './events.error';

/** Thrown when a value has no canonical JSON form (NaN, a lone surrogate, a function...). */
export class CanonicalJsonError extends EventsError {}
