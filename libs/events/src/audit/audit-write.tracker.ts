import { Inject, Injectable, Optional } from '@nestjs/common';
import { AUDIT_TELEMETRY, type AuditRecordFlag, type AuditTelemetry } from './audit.telemetry';

/**
 * Where the audit writer reports: remembers when the audit store was last written (for the health indicator) and
 * passes every report on to the `AUDIT_TELEMETRY` port, when something (metrics) provides it. Internal.
 */
@Injectable()
export class AuditWriteTracker implements AuditTelemetry {
  /** Epoch ms of the last successful write, if any. */
  lastWriteAt: number | undefined;
  /** Epoch ms of the first failed write since the last success, while writes keep failing. */
  failingSince: number | undefined;

  constructor(@Optional() @Inject(AUDIT_TELEMETRY) private readonly telemetry?: AuditTelemetry) {}

  auditStarted(buffered: () => number): void {
    this.telemetry?.auditStarted(buffered);
  }

  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void {
    const now = Date.now();
    if (outcome === 'success') {
      this.lastWriteAt = now;
      this.failingSince = undefined;
    } else {
      this.failingSince ??= now;
    }
    this.telemetry?.auditWritten(records, durationMs, outcome);
  }

  auditRecordsFlagged(records: number, kind: AuditRecordFlag): void {
    this.telemetry?.auditRecordsFlagged?.(records, kind);
  }
}
