import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { ActivitySummaryEntity } from './activity-summary.entity';

export interface ActivitySummary {
  id: string;
  eventId: string;
  eventType: string;
  correlationId: string;
  actorId: string | null;
  summary: string;
  createdAt: string;
}

function toSummary(row: ActivitySummaryEntity): ActivitySummary {
  return { ...row, createdAt: row.createdAt.toISOString() };
}

/** One human-readable line per key action, keyed by the event it describes (written at most once). */
@Injectable()
export class ActivityRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get summaries(): Repository<ActivitySummaryEntity> {
    return this.txHost.tx.getRepository(ActivitySummaryEntity);
  }

  /** True when inserted, false when this event already had its line (a retried or replayed delivery). */
  async add(summary: ActivitySummary): Promise<boolean> {
    await this.summaries
      .createQueryBuilder()
      .insert()
      .values({ ...summary, createdAt: new Date(summary.createdAt) })
      .orIgnore()
      .execute();
    const stored = await this.summaries.findOne({
      where: { eventId: summary.eventId },
      select: { id: true },
    });
    return stored?.id === summary.id;
  }

  async list(query: { correlationId?: string; limit: number }): Promise<ActivitySummary[]> {
    const rows = query.correlationId
      ? await this.summaries.find({
          where: { correlationId: query.correlationId },
          order: { eventId: 'ASC' },
          take: query.limit,
        })
      : await this.summaries.find({ order: { eventId: 'DESC' }, take: query.limit });
    return rows.map(toSummary);
  }
}
