import { Inject, Injectable } from '@nestjs/common';
import { Database, type Queryable } from '../database/database';

export type InviteStatus = 'pending' | 'accepted' | 'rejected' | 'expired' | 'revoked';

export interface InviteRecord {
  id: string;
  organizationId: string;
  email: string;
  permission: 'admin' | 'member';
  invitedBy: string;
  status: InviteStatus;
  createdAt: string;
  expiresAt: string;
  respondedAt: string | null;
}

interface InviteRow extends Record<string, unknown> {
  id: string;
  organization_id: string;
  email: string;
  permission: 'admin' | 'member';
  invited_by: string;
  status: InviteStatus;
  created_at: string;
  expires_at: string;
  responded_at: string | null;
}

function toInvite(row: InviteRow): InviteRecord {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    permission: row.permission,
    invitedBy: row.invited_by,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    respondedAt: row.responded_at,
  };
}

@Injectable()
export class InvitesRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async findById(id: string): Promise<InviteRecord | undefined> {
    const row = await this.db.one<InviteRow>('SELECT * FROM invites WHERE id = ?', [id]);
    return row && toInvite(row);
  }

  async pendingFor(organizationId: string, email: string): Promise<InviteRecord | undefined> {
    const row = await this.db.one<InviteRow>(
      `SELECT * FROM invites WHERE organization_id = ? AND email = ? AND status = 'pending'`,
      [organizationId, email],
    );
    return row && toInvite(row);
  }

  async listForEmail(email: string): Promise<InviteRecord[]> {
    const rows = await this.db.query<InviteRow>(
      `SELECT * FROM invites WHERE email = ? AND status = 'pending' ORDER BY created_at, id`,
      [email],
    );
    return rows.map(toInvite);
  }

  async listForOrganization(organizationId: string): Promise<InviteRecord[]> {
    const rows = await this.db.query<InviteRow>(
      'SELECT * FROM invites WHERE organization_id = ? ORDER BY created_at, id',
      [organizationId],
    );
    return rows.map(toInvite);
  }

  /** Pending invites whose expiry lies before `at`. */
  async pendingExpiredBefore(at: string, limit: number): Promise<InviteRecord[]> {
    const rows = await this.db.query<InviteRow>(
      `SELECT * FROM invites WHERE status = 'pending' AND expires_at < ? ORDER BY expires_at LIMIT ?`,
      [at, limit],
    );
    return rows.map(toInvite);
  }

  async insert(invite: InviteRecord): Promise<void> {
    await this.db.execute(
      `INSERT INTO invites (id, organization_id, email, permission, invited_by, status, created_at, expires_at, responded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        invite.id,
        invite.organizationId,
        invite.email,
        invite.permission,
        invite.invitedBy,
        invite.status,
        invite.createdAt,
        invite.expiresAt,
        invite.respondedAt,
      ],
    );
  }

  /** Moves a pending invite to `status`; false when it was no longer pending (someone else got there first). */
  async settle(id: string, status: InviteStatus, at: string, tx: Queryable = this.db): Promise<boolean> {
    const changed = await tx.execute(
      `UPDATE invites SET status = ?, responded_at = ? WHERE id = ? AND status = 'pending'`,
      [status, at, id],
    );
    return changed > 0;
  }
}
