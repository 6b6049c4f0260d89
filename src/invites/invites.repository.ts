import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { LessThan, type Repository } from 'typeorm';
import { InviteEntity } from './invite.entity';

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

function toInvite(row: InviteEntity): InviteRecord {
  return {
    id: row.id,
    organizationId: row.organizationId,
    email: row.email,
    permission: row.permission,
    invitedBy: row.invitedBy,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    respondedAt: row.respondedAt?.toISOString() ?? null,
  };
}

/** Invites, in the current transaction when there is one. */
@Injectable()
export class InvitesRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get invites(): Repository<InviteEntity> {
    return this.txHost.tx.getRepository(InviteEntity);
  }

  async findById(id: string): Promise<InviteRecord | undefined> {
    const row = await this.invites.findOneBy({ id });
    return row ? toInvite(row) : undefined;
  }

  async pendingFor(organizationId: string, email: string): Promise<InviteRecord | undefined> {
    const row = await this.invites.findOneBy({ organizationId, email, status: 'pending' });
    return row ? toInvite(row) : undefined;
  }

  async listForEmail(email: string): Promise<InviteRecord[]> {
    const rows = await this.invites.find({
      where: { email, status: 'pending' },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toInvite);
  }

  async listForOrganization(organizationId: string): Promise<InviteRecord[]> {
    const rows = await this.invites.find({
      where: { organizationId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toInvite);
  }

  /** Pending invites whose expiry lies before `at`. */
  async pendingExpiredBefore(at: string, limit: number): Promise<InviteRecord[]> {
    const rows = await this.invites.find({
      where: { status: 'pending', expiresAt: LessThan(new Date(at)) },
      order: { expiresAt: 'ASC' },
      take: limit,
    });
    return rows.map(toInvite);
  }

  async insert(invite: InviteRecord): Promise<void> {
    await this.invites.insert({
      ...invite,
      createdAt: new Date(invite.createdAt),
      expiresAt: new Date(invite.expiresAt),
      respondedAt: invite.respondedAt === null ? null : new Date(invite.respondedAt),
    });
  }

  /** Moves a pending invite to `status`; false when it was no longer pending (someone else got there first). */
  async settle(id: string, status: InviteStatus, at: string): Promise<boolean> {
    const result = await this.invites.update(
      { id, status: 'pending' },
      { status, respondedAt: new Date(at) },
    );
    return (result.affected ?? 0) > 0;
  }
}
