/**
 * Internal hook the audit writer calls so that metrics can count audit writes without the audit code knowing
 * about prom-client. Provided under `AUDIT_TELEMETRY` (always: a no-op when metrics are off), so the writer can
 * inject it with `@Optional() @Inject(AUDIT_TELEMETRY)` and call it unconditionally.
 */
export interface AuditTelemetry {
  /**
   * One write to the audit store finished: `records` records (a batch, or one record for `durability: 'sync'`),
   * written in `durationMs`, or failed (`outcome: 'failure'`; the records will be retried or reported).
   */
  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void;
}

/** Injection token of the `AuditTelemetry` hook. Internal: not exported from the package index. */
export const AUDIT_TELEMETRY = Symbol('nestjs-event-bus:audit-telemetry');
