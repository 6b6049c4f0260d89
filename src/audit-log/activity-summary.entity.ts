import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A row of `activity_summaries`: the human-readable line of one event, written at most once per event. */
@Entity({ name: 'activity_summaries' })
@Unique('activity_summaries_event_id_key', ['eventId'])
@Index('activity_by_correlation', ['correlationId'])
export class ActivitySummaryEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId!: string | null;

  @Column({ type: 'text' })
  summary!: string;

  @TimestampColumn('created_at')
  createdAt!: Date;
}
