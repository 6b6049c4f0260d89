import { Transactional } from '@nestjs-cls/transactional';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { requirePermission } from '../auth/actor.guard';
import type { Actor } from '../auth/actor';
import { newId, now } from '../common/clock';
import { MemberAdded } from '../organizations/organizations.events';
import { OrganizationsService } from '../organizations/organizations.service';
import { UsersRepository } from '../users/users.repository';
import {
  InviteAccepted,
  InviteCreated,
  InviteExpired,
  InviteRejected,
  InviteRevoked,
  InviteSweepCompleted,
} from './invites.events';
import { InvitesRepository, type InviteRecord } from './invites.repository';
import type { CreateInviteBody } from './invites.schemas';

const HOUR_MS = 3_600_000;
const SWEEP_BATCH = 500;

/** Invitations by email into an organization: create, accept, reject, revoke, expire. */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly organizations: OrganizationsService,
    private readonly users: UsersRepository,
    private readonly bus: EventBusService,
  ) {}

  async create(actor: Actor, organizationId: string, input: CreateInviteBody): Promise<InviteRecord> {
    await this.organizations.loadForManager(actor, organizationId, 'invite people');
    const email = input.email.toLowerCase();
    if (await this.invites.pendingFor(organizationId, email)) {
      throw new ConflictException(`${email} already has a pending invite to this organization.`);
    }
    const existing = await this.users.findByEmail(email);
    if (existing && (await this.organizations.memberOf(organizationId, existing.id))) {
      throw new ConflictException(`${email} is already a member of this organization.`);
    }
    const createdAt = new Date();
    const invite: InviteRecord = {
      id: newId(),
      organizationId,
      email,
      permission: input.permission,
      invitedBy: actor.id,
      status: 'pending',
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + input.expiresInHours * HOUR_MS).toISOString(),
      respondedAt: null,
    };
    await this.invites.insert(invite);
    this.bus.emit(InviteCreated, {
      inviteId: invite.id,
      organizationId,
      email,
      permission: invite.permission,
      expiresAt: invite.expiresAt,
    });
    return invite;
  }

  listMine(actor: Actor): Promise<InviteRecord[]> {
    return this.invites.listForEmail(actor.email);
  }

  async listForOrganization(actor: Actor, organizationId: string): Promise<InviteRecord[]> {
    await this.organizations.loadForManager(actor, organizationId, 'see the invites');
    return this.invites.listForOrganization(organizationId);
  }

  async accept(actor: Actor, id: string): Promise<InviteRecord> {
    const invite = await this.pendingForInvitee(actor, id, 'accept');
    const at = now();
    await this.join(invite, actor.id, at);
    return { ...invite, status: 'accepted', respondedAt: at };
  }

  async reject(actor: Actor, id: string): Promise<InviteRecord> {
    const invite = await this.pendingForInvitee(actor, id, 'reject');
    const at = now();
    if (!(await this.invites.settle(invite.id, 'rejected', at))) throw this.noLongerPending();
    this.bus.emit(InviteRejected, {
      inviteId: invite.id,
      organizationId: invite.organizationId,
      userId: actor.id,
    });
    return { ...invite, status: 'rejected', respondedAt: at };
  }

  /** An organization admin ends a pending invite now. */
  async expire(actor: Actor, id: string): Promise<InviteRecord> {
    const invite = await this.load(id);
    await this.organizations.requireManager(actor, invite.organizationId, 'expire this invite');
    const at = now();
    if (!(await this.invites.settle(invite.id, 'expired', at))) throw this.noLongerPending();
    this.bus.emit(InviteExpired, { inviteId: invite.id, organizationId: invite.organizationId, by: 'admin' });
    return { ...invite, status: 'expired', respondedAt: at };
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const invite = await this.load(id);
    await this.organizations.requireManager(actor, invite.organizationId, 'revoke this invite');
    if (!(await this.invites.settle(invite.id, 'revoked', now()))) throw this.noLongerPending();
    this.bus.emit(InviteRevoked, { inviteId: invite.id, organizationId: invite.organizationId });
  }

  /** Expires every pending invite past its expiry date; returns how many. */
  async expireStale(trigger: 'schedule' | 'admin'): Promise<number> {
    const at = now();
    let expired = 0;
    for (const invite of await this.invites.pendingExpiredBefore(at, SWEEP_BATCH)) {
      if (!(await this.invites.settle(invite.id, 'expired', at))) continue;
      expired++;
      this.bus.emit(InviteExpired, {
        inviteId: invite.id,
        organizationId: invite.organizationId,
        by: 'sweeper',
      });
    }
    this.bus.emit(InviteSweepCompleted, { expired, trigger });
    return expired;
  }

  /**
   * Settles the invite as accepted and adds its member, each with its event: all are written, or none. The events
   * go into the outbox in this transaction and are delivered once it committed: when adding the member fails
   * (already a member), `invite.accepted`, emitted before, is never handled, and the invite stays pending.
   */
  @Transactional()
  private async join(invite: InviteRecord, userId: string, at: string): Promise<void> {
    if (!(await this.invites.settle(invite.id, 'accepted', at))) throw this.noLongerPending();
    this.bus.emit(InviteAccepted, { inviteId: invite.id, organizationId: invite.organizationId, userId });
    await this.organizations.addMemberFromInvite(invite.organizationId, userId, invite.permission);
    this.bus.emit(MemberAdded, {
      organizationId: invite.organizationId,
      userId,
      permission: invite.permission,
      via: 'invite',
    });
  }

  private async load(id: string): Promise<InviteRecord> {
    const invite = await this.invites.findById(id);
    if (!invite) throw new NotFoundException(`No invite with id "${id}".`);
    return invite;
  }

  private async pendingForInvitee(actor: Actor, id: string, verb: string): Promise<InviteRecord> {
    const invite = await this.load(id);
    const isInvitee = invite.email === actor.email.toLowerCase();
    requirePermission(
      this.bus,
      actor,
      isInvitee,
      `${verb} this invite`,
      'it was sent to another email address',
    );
    if (invite.status !== 'pending') throw new ConflictException(`This invite is already ${invite.status}.`);
    if (invite.expiresAt < now()) throw new ConflictException('This invite has expired; ask for a new one.');
    return invite;
  }

  private noLongerPending(): ConflictException {
    return new ConflictException('This invite is no longer pending.');
  }
}
