import { Injectable } from '@nestjs/common';
import type { AuditTelemetry } from './audit-telemetry';
import { EventMetrics } from './event-metrics';

/**
 * The `AUDIT_TELEMETRY` hook: remembers when the audit store was last written (for the health indicator) and
 * passes every write on to the metrics (a no-op when metrics are off). Internal.
 */
@Injectable()
export class AuditWriteTracker implements AuditTelemetry {
  /** Epoch ms of the last successful write, if any. */
  lastWriteAt: number | undefined;
  /** Epoch ms of the first failed write since the last success, while writes keep failing. */
  failingSince: number | undefined;

  constructor(private readonly metrics: EventMetrics) {}

  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void {
    const now = Date.now();
    if (outcome === 'success') {
      this.lastWriteAt = now;
      this.failingSince = undefined;
    } else {
      this.failingSince ??= now;
    }
    this.metrics.auditWritten(records, durationMs, outcome);
  }
}
