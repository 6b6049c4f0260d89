import { Transactional } from '@nestjs-cls/transactional';
import { ConflictException, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { requirePermission } from '../auth/actor.guard';
import type { Actor } from '../auth/actor';
import { hashPassword, verifyPassword } from '../auth/password';
import { newId, now } from '../common/clock';
import { TraceOwnersRepository } from '../trace/trace-owners.repository';
import type { ChangePasswordBody, CreateUserBody, UpdateUserBody } from './users.schemas';
import {
  UserCreated,
  UserDeleted,
  UserPasswordChanged,
  UserPermissionChanged,
  UserUpdated,
} from './users.events';
import { UsersRepository, type UserRecord } from './users.repository';

/** What the API shows of a user. */
export interface UserView {
  id: string;
  username: string;
  email: string;
  role: 'admin' | 'user';
  createdAt: string;
  updatedAt: string;
}

export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/**
 * Users, written in the "plain service" style: change the store, then `bus.emit()` a typed event. Listeners
 * (audit summaries, the welcome email, metrics) react without this service knowing them.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly owners: TraceOwnersRepository,
    private readonly bus: EventBusService,
  ) {}

  async create(input: CreateUserBody): Promise<UserView> {
    await this.assertAvailable(input.username, input.email);
    const at = now();
    const user: UserRecord = {
      id: newId(),
      username: input.username,
      email: input.email.toLowerCase(),
      passwordHash: await hashPassword(input.password),
      role: 'user',
      createdAt: at,
      updatedAt: at,
      tokenVersion: 0,
    };
    await this.register(user);
    return toUserView(user);
  }

  /** A user's profile, for themselves or an administrator; anyone else gets the 404 of an unknown id. */
  async get(actor: Actor, id: string): Promise<UserView> {
    if (actor.id !== id && actor.role !== 'admin') throw noSuchUser(id);
    return toUserView(await this.load(id));
  }

  async list(limit: number, offset: number): Promise<UserView[]> {
    return (await this.users.list(limit, offset)).map(toUserView);
  }

  async update(actor: Actor, id: string, input: UpdateUserBody): Promise<UserView> {
    const user = await this.load(id);
    this.assertSelfOrAdmin(actor, user, 'update this user');
    const changed: ('username' | 'email')[] = [];
    const next = { ...user };
    if (input.username !== undefined && input.username !== user.username) {
      if ((await this.users.findByUsername(input.username))?.id !== undefined) {
        throw new ConflictException(`The username "${input.username}" is taken.`);
      }
      next.username = input.username;
      changed.push('username');
    }
    const email = input.email?.toLowerCase();
    if (email !== undefined && email !== user.email) {
      if (await this.users.findByEmail(email))
        throw new ConflictException(`The email "${email}" is already registered.`);
      next.email = email;
      changed.push('email');
    }
    if (changed.length === 0) return toUserView(user);
    next.updatedAt = now();
    await this.users.update(next);
    this.bus.emit(UserUpdated, { userId: user.id, changed });
    return toUserView(next);
  }

  async changePassword(actor: Actor, id: string, input: ChangePasswordBody): Promise<void> {
    const user = await this.load(id);
    requirePermission(this.bus, actor, actor.id === user.id, 'change this password', 'only its owner may');
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new UnauthorizedException('currentPassword is wrong.');
    }
    // A new token version: every token issued before this moment, this request's own included, stops working.
    await this.users.update({
      ...user,
      passwordHash: await hashPassword(input.newPassword),
      updatedAt: now(),
      tokenVersion: user.tokenVersion + 1,
    });
    this.bus.emit(UserPasswordChanged, { userId: user.id });
  }

  async changePermission(id: string, role: 'admin' | 'user'): Promise<UserView> {
    const user = await this.load(id);
    if (user.role === role) return toUserView(user);
    if (user.role === 'admin' && (await this.users.countAdmins()) <= 1) {
      throw new ConflictException('This is the last administrator; make someone else admin first.');
    }
    const next = { ...user, role, updatedAt: now() };
    await this.users.update(next);
    this.bus.emit(UserPermissionChanged, { userId: user.id, from: user.role, to: role });
    return toUserView(next);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const user = await this.load(id);
    this.assertSelfOrAdmin(actor, user, 'delete this user');
    if (user.role === 'admin' && (await this.users.countAdmins()) <= 1) {
      throw new ConflictException('This is the last administrator and cannot be deleted.');
    }
    await this.users.delete(user.id);
    this.bus.emit(UserDeleted, { userId: user.id, username: user.username });
  }

  /**
   * The new user, `user.created`, and their ownership of the sign-up request's story (signing up is their own act:
   * they are its actor, and the story is theirs to read): all are written, or none. The event is emitted as soon
   * as the user exists, yet goes into the outbox with the rows: its handlers (the welcome email...) run once the
   * transaction committed, and never if claiming the story fails after it.
   */
  @Transactional()
  private async register(user: UserRecord): Promise<void> {
    await this.users.insert(user);
    this.bus.emit(
      UserCreated,
      { userId: user.id, username: user.username, email: user.email, role: user.role },
      { actorId: user.id },
    );
    await this.owners.claim(user.id);
  }

  private async load(id: string): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (!user) throw noSuchUser(id);
    return user;
  }

  private async assertAvailable(username: string, email: string): Promise<void> {
    if (await this.users.findByUsername(username))
      throw new ConflictException(`The username "${username}" is taken.`);
    if (await this.users.findByEmail(email))
      throw new ConflictException(`The email "${email}" is already registered.`);
  }

  private assertSelfOrAdmin(actor: Actor, user: UserRecord, action: string): void {
    requirePermission(
      this.bus,
      actor,
      actor.id === user.id || actor.role === 'admin',
      action,
      'only the user or an admin may',
    );
  }
}

/** The same 404 for a user who does not exist and for one the caller may not see. */
function noSuchUser(id: string): NotFoundException {
  return new NotFoundException(`No user with id "${id}".`);
}
