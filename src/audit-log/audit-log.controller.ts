import { Controller, Get, Optional, ServiceUnavailableException } from '@nestjs/common';
import { AuditService, EventBusService, type AuditVerification } from 'nestjs-event-bus';
import { z } from 'zod';
import { AdminOnly } from '../auth/actor';
import { ZodQuery } from '../common/zod-body.pipe';
import { ActivityRepository, type ActivitySummary } from './activity.repository';
import { AuditChainVerified } from './audit-log.events';

const ActivityQuery = z.strictObject({
  correlationId: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The human-readable activity log and the audit trail's integrity check; administrators only. */
@AdminOnly()
@Controller('activity')
export class AuditLogController {
  constructor(
    private readonly activity: ActivityRepository,
    private readonly bus: EventBusService,
    @Optional() private readonly audit?: AuditService,
  ) {}

  @Get()
  list(@ZodQuery(ActivityQuery) query: z.infer<typeof ActivityQuery>): Promise<ActivitySummary[]> {
    return this.activity.list(query);
  }

  /** Walks the audit trail's hash chain (`AuditService.verify()`). */
  @Get('verify')
  async verify(): Promise<AuditVerification> {
    if (!this.audit?.enabled)
      throw new ServiceUnavailableException('The audit trail is not enabled in this app.');
    await this.audit.flush();
    const result = await this.audit.verify();
    this.bus.emit(AuditChainVerified, {
      ok: result.ok,
      checked: result.checked,
      firstBadSeq: result.firstBadSeq,
    });
    return result;
  }
}
