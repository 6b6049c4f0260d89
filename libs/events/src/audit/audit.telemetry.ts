/**
 * The audit trail's outgoing port: how it reports its writes without knowing who counts them. Metrics implement
 * it (provided under `AUDIT_TELEMETRY` when the module is built); the audit code calls it through
 * `AuditWriteTracker`, which works without it. Internal: not exported from the package index.
 */
export interface AuditTelemetry {
  /** The audit trail started writing; `buffered()` tells how many records wait to be written, when asked. */
  auditStarted(buffered: () => number): void;
  /**
   * One write to the audit store finished: `records` records (a batch, or one record for `durability: 'sync'`),
   * written in `durationMs`, or failed (`outcome: 'failure'`; the records will be retried or reported).
   */
  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void;
}

/** Injection token of the `AuditTelemetry` that audit writes are reported to. Internal. */
export const AUDIT_TELEMETRY = Symbol('nestjs-event-bus:audit-telemetry');
