/**
 * The base of every error this package throws on purpose: catch `EventsError` to tell them from the rest. Its
 * `name` is the subclass's name (`EventsConfigError`, `AuditStoreError`...).
 */
export class EventsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
