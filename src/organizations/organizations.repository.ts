import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { OrganizationMemberEntity } from './organization-member.entity';
import { OrganizationEntity } from './organization.entity';
import type { MemberPermission } from './organizations.events';

export interface OrganizationRecord {
  id: string;
  name: string;
  description: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

export interface MemberRecord {
  organizationId: string;
  userId: string;
  username: string;
  permission: MemberPermission;
  joinedAt: string;
}

function toOrganization(row: OrganizationEntity): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerId: row.ownerId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toMember(row: OrganizationMemberEntity): MemberRecord {
  return {
    organizationId: row.organizationId,
    userId: row.userId,
    username: row.user!.username,
    permission: row.permission,
    joinedAt: row.joinedAt.toISOString(),
  };
}

/** Organizations and their members, in the current transaction when there is one. */
@Injectable()
export class OrganizationsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get organizations(): Repository<OrganizationEntity> {
    return this.txHost.tx.getRepository(OrganizationEntity);
  }

  private get memberRows(): Repository<OrganizationMemberEntity> {
    return this.txHost.tx.getRepository(OrganizationMemberEntity);
  }

  /** Members with their username; callers add the WHERE clause. */
  private membersWithNames(): SelectQueryBuilder<OrganizationMemberEntity> {
    return this.memberRows.createQueryBuilder('m').innerJoin('m.user', 'u').addSelect(['u.id', 'u.username']);
  }

  async findById(id: string): Promise<OrganizationRecord | undefined> {
    const row = await this.organizations.findOneBy({ id });
    return row ? toOrganization(row) : undefined;
  }

  /** Names are unique whatever their case. */
  async findByName(name: string): Promise<OrganizationRecord | undefined> {
    const row = await this.organizations
      .createQueryBuilder('o')
      .where('lower(o.name) = lower(:name)', { name })
      .getOne();
    return row ? toOrganization(row) : undefined;
  }

  async listForUser(userId: string): Promise<OrganizationRecord[]> {
    const rows = await this.organizations
      .createQueryBuilder('o')
      .innerJoin(OrganizationMemberEntity, 'm', 'm.organizationId = o.id')
      .where('m.userId = :userId', { userId })
      .orderBy('o.createdAt')
      .addOrderBy('o.id')
      .getMany();
    return rows.map(toOrganization);
  }

  async insert(org: OrganizationRecord): Promise<void> {
    await this.organizations.insert({
      ...org,
      createdAt: new Date(org.createdAt),
      updatedAt: new Date(org.updatedAt),
    });
  }

  async update(org: OrganizationRecord): Promise<void> {
    await this.organizations.update(
      { id: org.id },
      { name: org.name, description: org.description, updatedAt: new Date(org.updatedAt) },
    );
  }

  /** Deletes the organization; its members, invites and tournaments go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    await this.organizations.delete({ id });
  }

  async members(organizationId: string): Promise<MemberRecord[]> {
    const rows = await this.membersWithNames()
      .where('m.organizationId = :organizationId', { organizationId })
      .orderBy('m.joinedAt')
      .addOrderBy('m.userId')
      .getMany();
    return rows.map(toMember);
  }

  async member(organizationId: string, userId: string): Promise<MemberRecord | undefined> {
    const row = await this.membersWithNames()
      .where('m.organizationId = :organizationId AND m.userId = :userId', { organizationId, userId })
      .getOne();
    return row ? toMember(row) : undefined;
  }

  async addMember(
    organizationId: string,
    userId: string,
    permission: MemberPermission,
    joinedAt: string,
  ): Promise<void> {
    await this.memberRows.insert({ organizationId, userId, permission, joinedAt: new Date(joinedAt) });
  }

  async setPermission(organizationId: string, userId: string, permission: MemberPermission): Promise<void> {
    await this.memberRows.update({ organizationId, userId }, { permission });
  }

  async removeMember(organizationId: string, userId: string): Promise<boolean> {
    return ((await this.memberRows.delete({ organizationId, userId })).affected ?? 0) > 0;
  }
}
