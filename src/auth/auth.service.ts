import { Injectable, UnauthorizedException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import { TraceOwnersRepository } from '../trace/trace-owners.repository';
import { UsersRepository } from '../users/users.repository';
import { toUserView, type UserView } from '../users/users.service';
import { AuthLoginFailed, AuthLoginSucceeded } from './auth.events';
import { hashPassword, verifyPassword } from './password';
import { TokenService, type IssuedToken } from './token.service';

/** What `POST /auth/login` answers: the token and whose it is. */
export interface LoginResult extends IssuedToken {
  user: UserView;
}

/** Exchanges a username and password for an access token. */
@Injectable()
export class AuthService {
  /** Checked when the username is unknown, so that both failures cost one scrypt and take as long. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly owners: TraceOwnersRepository,
    private readonly context: EventContext,
    private readonly bus: EventBusService,
  ) {}

  /**
   * Checks the password against its scrypt hash; emits `auth.login.succeeded` or `auth.login.failed`. What was
   * typed is never kept, in either field: a password typed into the username field is a common slip, so a failure
   * records the user id only when the username named a user.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const user = await this.users.findByUsername(username);
    const hash = user?.passwordHash ?? (await this.decoyHash());
    const ok = (await verifyPassword(password, hash)) && user !== undefined;
    if (!user || !ok) {
      this.bus.emit(
        AuthLoginFailed,
        user ? { reason: 'wrong-password', userId: user.id } : { reason: 'unknown-user' },
      );
      throw new UnauthorizedException('Unknown username or wrong password.');
    }
    this.context.setActor(user.id);
    await this.owners.claim(user.id);
    this.bus.emit(AuthLoginSucceeded, { userId: user.id });
    return { ...(await this.tokens.issue(user)), user: toUserView(user) };
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= hashPassword(randomBytes(16).toString('hex'));
    return this.decoy;
  }
}
