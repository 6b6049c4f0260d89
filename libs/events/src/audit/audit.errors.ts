/** The audit database could not be opened, reached or written; the message names it and says what to check. */
export class AuditStoreError extends Error {
  override readonly name = 'AuditStoreError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Audit records could not be written yet; they stay buffered and are retried. */
export class AuditWriteError extends Error {
  override readonly name = 'AuditWriteError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `AuditService` was used while the audit trail is off. */
export class AuditDisabledError extends Error {
  override readonly name = 'AuditDisabledError';

  constructor() {
    super(
      'The audit trail is off. Turn it on with EventsModule.forRoot({ audit: {} }) (SQLite at ./data/audit.db).',
    );
  }
}
