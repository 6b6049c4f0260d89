import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

export const AuditSummaryRecorded = defineEvent('audit.summary.recorded', {
  schema: z.object({
    summaryId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    summary: z.string(),
  }),
  description: 'A key action got its human-readable line in the activity log (GET /activity).',
});

export const AuditChainVerified = defineEvent('audit.chain.verified', {
  schema: z.object({ ok: z.boolean(), checked: z.number().int(), firstBadSeq: z.number().int().optional() }),
  audit: true,
  description: 'An administrator verified the audit trail’s hash chain (GET /activity/verify).',
});

export const AUDIT_LOG_EVENTS = [AuditSummaryRecorded, AuditChainVerified] as const;
