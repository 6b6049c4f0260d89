import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { UserEntity } from '../users/user.entity';
import { TournamentEntity } from './tournament.entity';

/** A row of `tournament_participants`: a user who joined a tournament. */
@Entity({ name: 'tournament_participants' })
@Index('tournament_participants_by_user', ['userId'])
export class TournamentParticipantEntity {
  @PrimaryColumn({ name: 'tournament_id', type: 'text' })
  tournamentId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @TimestampColumn('joined_at')
  joinedAt!: Date;

  @ManyToOne(() => TournamentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'tournament_id',
    foreignKeyConstraintName: 'tournament_participants_tournament_id_fkey',
  })
  tournament?: TournamentEntity;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'tournament_participants_user_id_fkey' })
  user?: UserEntity;
}
