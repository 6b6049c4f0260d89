import { Propagation, Transactional } from '@nestjs-cls/transactional';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { requirePermission } from '../auth/actor.guard';
import type { Actor } from '../auth/actor';
import { newId, now } from '../common/clock';
import { UsersRepository } from '../users/users.repository';
import {
  MemberAdded,
  MemberPermissionChanged,
  MemberRemoved,
  OrganizationCreated,
  OrganizationDeleted,
  OrganizationUpdated,
  type MemberPermission,
} from './organizations.events';
import {
  OrganizationsRepository,
  type MemberRecord,
  type OrganizationRecord,
} from './organizations.repository';
import type { CreateOrganizationBody, UpdateOrganizationBody } from './organizations.schemas';

export interface OrganizationView extends OrganizationRecord {
  members: MemberRecord[];
}

const MANAGERS: readonly MemberPermission[] = ['owner', 'admin'];

/** Organizations and membership; also answers "may this actor manage that organization?" for other modules. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly users: UsersRepository,
    private readonly bus: EventBusService,
  ) {}

  async create(actor: Actor, input: CreateOrganizationBody): Promise<OrganizationView> {
    if (await this.organizations.findByName(input.name)) {
      throw new ConflictException(`An organization named "${input.name}" already exists.`);
    }
    const at = now();
    const org: OrganizationRecord = {
      id: newId(),
      name: input.name,
      description: input.description,
      ownerId: actor.id,
      createdAt: at,
      updatedAt: at,
    };
    await this.insertWithOwner(org);
    return this.view(org);
  }

  /** The organization with its members, for its members and app admins; anyone else gets the 404 of an unknown id. */
  async get(actor: Actor, id: string): Promise<OrganizationView> {
    const org = await this.load(id);
    if (!(await this.canSee(actor, org.id))) throw noSuchOrganization(id);
    return this.view(org);
  }

  /** Whether the actor may see the organization and what is in it: a member, or an app admin. */
  async canSee(actor: Actor, organizationId: string): Promise<boolean> {
    return (
      actor.role === 'admin' || (await this.organizations.member(organizationId, actor.id)) !== undefined
    );
  }

  listForUser(userId: string): Promise<OrganizationRecord[]> {
    return this.organizations.listForUser(userId);
  }

  async update(actor: Actor, id: string, input: UpdateOrganizationBody): Promise<OrganizationView> {
    const org = await this.loadForManager(actor, id, 'update this organization');
    const changed: ('name' | 'description')[] = [];
    const next = { ...org };
    if (input.name !== undefined && input.name !== org.name) {
      const other = await this.organizations.findByName(input.name);
      if (other && other.id !== org.id)
        throw new ConflictException(`An organization named "${input.name}" already exists.`);
      next.name = input.name;
      changed.push('name');
    }
    if (input.description !== undefined && input.description !== org.description) {
      next.description = input.description;
      changed.push('description');
    }
    if (changed.length > 0) {
      next.updatedAt = now();
      await this.organizations.update(next);
      this.bus.emit(OrganizationUpdated, { organizationId: org.id, changed });
    }
    return this.view(next);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const org = await this.load(id);
    const member = await this.organizations.member(org.id, actor.id);
    requirePermission(
      this.bus,
      actor,
      member?.permission === 'owner' || actor.role === 'admin',
      'delete this organization',
      'only its owner may',
    );
    await this.organizations.delete(org.id);
    this.bus.emit(OrganizationDeleted, { organizationId: org.id, name: org.name });
  }

  async addMember(
    actor: Actor,
    id: string,
    userId: string,
    permission: 'admin' | 'member',
  ): Promise<MemberRecord> {
    const org = await this.loadForManager(actor, id, 'add members');
    if (!(await this.users.findById(userId))) throw new NotFoundException(`No user with id "${userId}".`);
    if (await this.organizations.member(org.id, userId)) {
      throw new ConflictException('That user is already a member of this organization.');
    }
    await this.organizations.addMember(org.id, userId, permission, now());
    this.bus.emit(MemberAdded, { organizationId: org.id, userId, permission, via: 'direct' });
    return (await this.organizations.member(org.id, userId))!;
  }

  /** For invites: adds the member in the caller's transaction (there must be one), which emits its events. */
  @Transactional(Propagation.Mandatory)
  async addMemberFromInvite(
    organizationId: string,
    userId: string,
    permission: 'admin' | 'member',
  ): Promise<void> {
    if (await this.organizations.member(organizationId, userId)) {
      throw new ConflictException('You are already a member of this organization.');
    }
    await this.organizations.addMember(organizationId, userId, permission, now());
  }

  async removeMember(actor: Actor, id: string, userId: string): Promise<void> {
    const org = await this.load(id);
    const self = actor.id === userId;
    if (!self) await this.requireManager(actor, org.id, 'remove members');
    const member = await this.existingMember(org.id, userId);
    if (member.permission === 'owner') {
      throw new ConflictException('The owner cannot leave or be removed; delete the organization instead.');
    }
    await this.organizations.removeMember(org.id, userId);
    this.bus.emit(MemberRemoved, { organizationId: org.id, userId, by: self ? 'self' : 'admin' });
  }

  async changeMemberPermission(
    actor: Actor,
    id: string,
    userId: string,
    permission: 'admin' | 'member',
  ): Promise<MemberRecord> {
    const org = await this.loadForManager(actor, id, 'change member permissions');
    const member = await this.existingMember(org.id, userId);
    if (member.permission === 'owner')
      throw new ConflictException('The owner’s permission cannot be changed.');
    if (member.permission !== permission) {
      await this.organizations.setPermission(org.id, userId, permission);
      this.bus.emit(MemberPermissionChanged, {
        organizationId: org.id,
        userId,
        from: member.permission,
        to: permission,
      });
    }
    return { ...member, permission };
  }

  /** 404 when the organization does not exist. */
  async load(id: string): Promise<OrganizationRecord> {
    const org = await this.organizations.findById(id);
    if (!org) throw noSuchOrganization(id);
    return org;
  }

  /** 404 when the organization does not exist, then 403 unless the actor manages it (see requireManager). */
  async loadForManager(actor: Actor, id: string, action: string): Promise<OrganizationRecord> {
    const org = await this.load(id);
    await this.requireManager(actor, org.id, action);
    return org;
  }

  /** 403 unless the actor is an owner/admin of the organization (or an app admin). */
  async requireManager(actor: Actor, organizationId: string, action: string): Promise<void> {
    const member = await this.organizations.member(organizationId, actor.id);
    const allowed = actor.role === 'admin' || (member !== undefined && MANAGERS.includes(member.permission));
    requirePermission(this.bus, actor, allowed, action, 'organization owner or admin permission required');
  }

  /** 403 unless the actor belongs to the organization (or is an app admin). */
  async requireMember(actor: Actor, organizationId: string, action: string): Promise<void> {
    const member = await this.organizations.member(organizationId, actor.id);
    requirePermission(
      this.bus,
      actor,
      actor.role === 'admin' || member !== undefined,
      action,
      'members only',
    );
  }

  memberOf(organizationId: string, userId: string): Promise<MemberRecord | undefined> {
    return this.organizations.member(organizationId, userId);
  }

  /** 404 when the user is not a member of the organization. */
  private async existingMember(organizationId: string, userId: string): Promise<MemberRecord> {
    const member = await this.organizations.member(organizationId, userId);
    if (!member) throw new NotFoundException('That user is not a member of this organization.');
    return member;
  }

  /**
   * The organization and its owner's membership, each with its event: all are written, or none. The events go
   * into the outbox in this transaction and are delivered once it committed: when adding the owner fails,
   * `organization.created`, emitted before, is never handled.
   */
  @Transactional()
  private async insertWithOwner(org: OrganizationRecord): Promise<void> {
    await this.organizations.insert(org);
    this.bus.emit(OrganizationCreated, { organizationId: org.id, name: org.name, ownerId: org.ownerId });
    await this.organizations.addMember(org.id, org.ownerId, 'owner', org.createdAt);
    this.bus.emit(MemberAdded, {
      organizationId: org.id,
      userId: org.ownerId,
      permission: 'owner',
      via: 'creation',
    });
  }

  private async view(org: OrganizationRecord): Promise<OrganizationView> {
    return { ...org, members: await this.organizations.members(org.id) };
  }
}

/** The same 404 for an organization that does not exist and for one the caller may not see. */
function noSuchOrganization(id: string): NotFoundException {
  return new NotFoundException(`No organization with id "${id}".`);
}
