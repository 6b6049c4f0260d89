import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { OrganizationEntity } from '../organizations/organization.entity';
import type { TournamentStatus } from './tournament.aggregate';

/** A row of `tournaments`. */
@Entity({ name: 'tournaments' })
@Unique('tournaments_organization_id_name_key', ['organizationId', 'name'])
export class TournamentEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'organization_id', type: 'text' })
  organizationId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  game!: string;

  @Column({ type: 'text' })
  status!: TournamentStatus;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'winner_id', type: 'text', nullable: true })
  winnerId!: string | null;

  @TimestampColumn('created_at')
  createdAt!: Date;

  @TimestampColumn('updated_at')
  updatedAt!: Date;

  @TimestampColumn('started_at', { nullable: true })
  startedAt!: Date | null;

  @TimestampColumn('ended_at', { nullable: true })
  endedAt!: Date | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'tournaments_organization_id_fkey' })
  organization?: OrganizationEntity;
}
