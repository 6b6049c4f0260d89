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
  /**
   * Records that could not be kept as they were: `sanitized` (stored with envelope text made writable), `refused`
   * (the store refused them: a placeholder, or nothing, was written in their place), `withdrawn` (sync durability:
   * an awaited emitter was told the write failed, so the record is not written later).
   */
  auditRecordsFlagged?(records: number, kind: AuditRecordFlag): void;
}

/** Why a record was not kept exactly as it was (see `AuditTelemetry.auditRecordsFlagged`). */
export type AuditRecordFlag = 'sanitized' | 'refused' | 'withdrawn';

/** Injection token of the `AuditTelemetry` that audit writes are reported to. Internal. */
export const AUDIT_TELEMETRY = Symbol('nestjs-event-bus:audit-telemetry');
