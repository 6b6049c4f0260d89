import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A row of `trace_owners`: who opened the story of a correlation id. */
@Entity({ name: 'trace_owners' })
export class TraceOwnerEntity {
  @PrimaryColumn({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId!: string;

  @TimestampColumn('opened_at')
  openedAt!: Date;
}
