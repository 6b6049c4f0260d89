import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';

export interface ActivitySummary {
  id: string;
  eventId: string;
  eventType: string;
  correlationId: string;
  actorId: string | null;
  summary: string;
  createdAt: string;
}

interface ActivityRow extends Record<string, unknown> {
  id: string;
  event_id: string;
  event_type: string;
  correlation_id: string;
  actor_id: string | null;
  summary: string;
  created_at: string;
}

function toSummary(row: ActivityRow): ActivitySummary {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    correlationId: row.correlation_id,
    actorId: row.actor_id,
    summary: row.summary,
    createdAt: row.created_at,
  };
}

/** One human-readable line per key action, keyed by the event it describes (written at most once). */
@Injectable()
export class ActivityRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** True when inserted, false when this event already had its line (a retried or replayed delivery). */
  async add(summary: ActivitySummary): Promise<boolean> {
    const changed = await this.db.execute(
      `INSERT INTO activity_summaries (id, event_id, event_type, correlation_id, actor_id, summary, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
      [
        summary.id,
        summary.eventId,
        summary.eventType,
        summary.correlationId,
        summary.actorId,
        summary.summary,
        summary.createdAt,
      ],
    );
    return changed > 0;
  }

  async list(query: { correlationId?: string; limit: number }): Promise<ActivitySummary[]> {
    const rows = query.correlationId
      ? await this.db.query<ActivityRow>(
          'SELECT * FROM activity_summaries WHERE correlation_id = ? ORDER BY event_id LIMIT ?',
          [query.correlationId, query.limit],
        )
      : await this.db.query<ActivityRow>('SELECT * FROM activity_summaries ORDER BY event_id DESC LIMIT ?', [
          query.limit,
        ]);
    return rows.map(toSummary);
  }
}
