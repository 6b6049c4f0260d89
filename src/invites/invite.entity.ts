import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { OrganizationEntity } from '../organizations/organization.entity';
import type { InviteStatus } from './invites.repository';

/** A row of `invites`. */
@Entity({ name: 'invites' })
@Index('invites_pending', ['status', 'expiresAt'])
@Index('invites_by_email', ['email'])
@Index('invites_by_organization', ['organizationId'])
export class InviteEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'organization_id', type: 'text' })
  organizationId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  permission!: 'admin' | 'member';

  @Column({ name: 'invited_by', type: 'text' })
  invitedBy!: string;

  @Column({ type: 'text' })
  status!: InviteStatus;

  @TimestampColumn('created_at')
  createdAt!: Date;

  @TimestampColumn('expires_at')
  expiresAt!: Date;

  @TimestampColumn('responded_at', { nullable: true })
  respondedAt!: Date | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'invites_organization_id_fkey' })
  organization?: OrganizationEntity;
}
