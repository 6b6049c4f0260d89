import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../database/database';
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

interface OrganizationRow extends Record<string, unknown> {
  id: string;
  name: string;
  description: string;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

interface MemberRow extends Record<string, unknown> {
  organization_id: string;
  user_id: string;
  username: string;
  permission: MemberPermission;
  joined_at: string;
}

/** A member with their username; callers add the WHERE clause. */
const MEMBER_SELECT =
  'SELECT m.organization_id, m.user_id, u.username, m.permission, m.joined_at ' +
  'FROM organization_members m JOIN users u ON u.id = m.user_id';

function toOrganization(row: OrganizationRow): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerId: row.owner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMember(row: MemberRow): MemberRecord {
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    username: row.username,
    permission: row.permission,
    joinedAt: row.joined_at,
  };
}

/** Organizations and their members. */
@Injectable()
export class OrganizationsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Runs several writes as one transaction. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async findById(id: string): Promise<OrganizationRecord | undefined> {
    const row = await this.db.one<OrganizationRow>('SELECT * FROM organizations WHERE id = ?', [id]);
    return row && toOrganization(row);
  }

  async findByName(name: string): Promise<OrganizationRecord | undefined> {
    const row = await this.db.one<OrganizationRow>(
      'SELECT * FROM organizations WHERE lower(name) = lower(?)',
      [name],
    );
    return row && toOrganization(row);
  }

  async listForUser(userId: string): Promise<OrganizationRecord[]> {
    const rows = await this.db.query<OrganizationRow>(
      `SELECT o.* FROM organizations o JOIN organization_members m ON m.organization_id = o.id
       WHERE m.user_id = ? ORDER BY o.created_at, o.id`,
      [userId],
    );
    return rows.map(toOrganization);
  }

  async insert(org: OrganizationRecord, tx: Queryable = this.db): Promise<void> {
    await tx.execute(
      'INSERT INTO organizations (id, name, description, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [org.id, org.name, org.description, org.ownerId, org.createdAt, org.updatedAt],
    );
  }

  async update(org: OrganizationRecord): Promise<void> {
    await this.db.execute('UPDATE organizations SET name = ?, description = ?, updated_at = ? WHERE id = ?', [
      org.name,
      org.description,
      org.updatedAt,
      org.id,
    ]);
  }

  async delete(id: string): Promise<void> {
    await this.db.execute('DELETE FROM organizations WHERE id = ?', [id]);
  }

  async members(organizationId: string): Promise<MemberRecord[]> {
    const rows = await this.db.query<MemberRow>(
      `${MEMBER_SELECT} WHERE m.organization_id = ? ORDER BY m.joined_at, m.user_id`,
      [organizationId],
    );
    return rows.map(toMember);
  }

  async member(
    organizationId: string,
    userId: string,
    tx: Queryable = this.db,
  ): Promise<MemberRecord | undefined> {
    const row = await tx.one<MemberRow>(`${MEMBER_SELECT} WHERE m.organization_id = ? AND m.user_id = ?`, [
      organizationId,
      userId,
    ]);
    return row && toMember(row);
  }

  async addMember(
    organizationId: string,
    userId: string,
    permission: MemberPermission,
    joinedAt: string,
    tx: Queryable = this.db,
  ): Promise<void> {
    await tx.execute(
      'INSERT INTO organization_members (organization_id, user_id, permission, joined_at) VALUES (?, ?, ?, ?)',
      [organizationId, userId, permission, joinedAt],
    );
  }

  async setPermission(organizationId: string, userId: string, permission: MemberPermission): Promise<void> {
    await this.db.execute(
      'UPDATE organization_members SET permission = ? WHERE organization_id = ? AND user_id = ?',
      [permission, organizationId, userId],
    );
  }

  async removeMember(organizationId: string, userId: string): Promise<boolean> {
    const changed = await this.db.execute(
      'DELETE FROM organization_members WHERE organization_id = ? AND user_id = ?',
      [organizationId, userId],
    );
    return changed > 0;
  }
}
