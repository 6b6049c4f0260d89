import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  UnauthorizedException,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EventBusService } from 'nestjs-event-bus';
import { requirePermission } from '../auth/actor.guard';
import type { Actor } from '../auth/actor';
import { AuthLoginFailed, AuthLoginSucceeded } from '../auth/auth.events';
import { hashPassword, verifyPassword } from '../auth/password';
import { newId, now } from '../common/clock';
import type { ChangePasswordBody, CreateUserBody, UpdateUserBody } from './users.schemas';
import {
  AdminSeeded,
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

/** The seeded administrator's id, so that `x-user-id: admin` works on a fresh install. */
export const ADMIN_USER_ID = 'admin';

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
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    private readonly bus: EventBusService,
  ) {}

  /** First start: create the `admin` user (password from ADMIN_PASSWORD, else a random one nobody knows). */
  async onApplicationBootstrap(): Promise<void> {
    if (await this.users.findById(ADMIN_USER_ID)) return;
    const password = process.env.ADMIN_PASSWORD || randomBytes(24).toString('base64url');
    const at = now();
    const admin: UserRecord = {
      id: ADMIN_USER_ID,
      username: 'admin',
      email: 'admin@example.com',
      passwordHash: await hashPassword(password),
      role: 'admin',
      createdAt: at,
      updatedAt: at,
    };
    await this.users.insert(admin);
    this.bus.emit(AdminSeeded, { userId: admin.id, username: admin.username });
    this.logger.log(
      'Created the admin user (send "x-user-id: admin"; set ADMIN_PASSWORD before the first start to log in with a password).',
    );
  }

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
    };
    await this.users.insert(user);
    // Signing up is the new user's own act: they are its actor (no x-user-id was sent).
    this.bus.emit(
      UserCreated,
      { userId: user.id, username: user.username, email: user.email, role: user.role },
      { actorId: user.id },
    );
    return toUserView(user);
  }

  async get(id: string): Promise<UserView> {
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
    await this.users.update({
      ...user,
      passwordHash: await hashPassword(input.newPassword),
      updatedAt: now(),
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

  /** Checks a username/password pair; emits `auth.login.succeeded` or `auth.login.failed`. */
  async login(username: string, password: string): Promise<UserView> {
    const user = await this.users.findByUsername(username);
    const ok = user !== undefined && (await verifyPassword(password, user.passwordHash));
    if (!user || !ok) {
      this.bus.emit(AuthLoginFailed, {
        username: username.slice(0, 64),
        reason: user ? 'wrong-password' : 'unknown-user',
      });
      throw new UnauthorizedException('Unknown username or wrong password.');
    }
    this.bus.emit(AuthLoginSucceeded, { userId: user.id }, { actorId: user.id });
    return toUserView(user);
  }

  private async load(id: string): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(`No user with id "${id}".`);
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
