import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import type { RaceState } from './tournament.aggregate';
import { TournamentEntity } from './tournament.entity';

/** A row of `races`: a time submitted in a tournament, and its review. */
@Entity({ name: 'races' })
@Index('races_by_tournament', ['tournamentId'])
export class RaceEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'tournament_id', type: 'text' })
  tournamentId!: string;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ name: 'time_ms', type: 'integer' })
  timeMs!: number;

  @Column({ type: 'text' })
  status!: RaceState['status'];

  @TimestampColumn('submitted_at')
  submittedAt!: Date;

  @Column({ name: 'reviewed_by', type: 'text', nullable: true })
  reviewedBy!: string | null;

  @TimestampColumn('reviewed_at', { nullable: true })
  reviewedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @ManyToOne(() => TournamentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tournament_id', foreignKeyConstraintName: 'races_tournament_id_fkey' })
  tournament?: TournamentEntity;
}
