import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import type { MatchState } from './tournament.aggregate';
import { TournamentEntity } from './tournament.entity';

/** A row of `matches`: two players of a tournament, scheduled, then completed with a winner. */
@Entity({ name: 'matches' })
@Index('matches_by_tournament', ['tournamentId'])
export class MatchEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'tournament_id', type: 'text' })
  tournamentId!: string;

  @Column({ name: 'player_a', type: 'text' })
  playerA!: string;

  @Column({ name: 'player_b', type: 'text' })
  playerB!: string;

  @TimestampColumn('scheduled_at')
  scheduledAt!: Date;

  @Column({ type: 'text' })
  status!: MatchState['status'];

  @Column({ name: 'winner_id', type: 'text', nullable: true })
  winnerId!: string | null;

  @Column({ type: 'text', nullable: true })
  score!: string | null;

  @ManyToOne(() => TournamentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tournament_id', foreignKeyConstraintName: 'matches_tournament_id_fkey' })
  tournament?: TournamentEntity;
}
