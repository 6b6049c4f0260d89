import { EventsError } from './events.error';

/** `AuditService` was used while the audit trail is off. */
export class AuditDisabledError extends EventsError {
  constructor() {
    super(
      'The audit trail is off. Turn it on with EventsModule.forRoot({ audit: {} }) (SQLite at ./data/audit.db).',
    );
  }
}
