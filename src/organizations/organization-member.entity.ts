import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';
import { UserEntity } from '../users/user.entity';
import { OrganizationEntity } from './organization.entity';
import type { MemberPermission } from './organizations.events';

/** A row of `organization_members`: a user's membership of an organization. */
@Entity({ name: 'organization_members' })
@Index('organization_members_by_user', ['userId'])
export class OrganizationMemberEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'text' })
  organizationId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text' })
  permission!: MemberPermission;

  @TimestampColumn('joined_at')
  joinedAt!: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'organization_id',
    foreignKeyConstraintName: 'organization_members_organization_id_fkey',
  })
  organization?: OrganizationEntity;

  /** The member's user row (joined for their username). */
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'organization_members_user_id_fkey' })
  user?: UserEntity;
}
