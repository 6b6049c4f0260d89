import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import { TraceOwnersRepository } from '../trace/trace-owners.repository';
import { UsersRepository } from '../users/users.repository';
import { ADMIN_ONLY, PUBLIC_ROUTE, type Actor } from './actor';
import { AuthAccessDenied, AuthActorRejected, type ActorRejection } from './auth.events';
import { TokenService } from './token.service';

interface ActorRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  url?: string;
  actor?: Actor;
}

const BEARER = /^Bearer +(\S+)$/i;

const MESSAGES: Record<ActorRejection, string> = {
  missing: 'Log in first: POST /auth/login answers a token; send it as "Authorization: Bearer <token>".',
  malformed: 'The Authorization header must be "Bearer <token>", with the token POST /auth/login answered.',
  invalid: 'The access token is not valid; log in again (POST /auth/login).',
  expired: 'The access token has expired; log in again (POST /auth/login).',
  revoked: 'The access token is no longer valid (the password changed or the account is gone); log in again.',
};

/**
 * Who is calling: verifies the bearer token (signature, expiry, issuer, audience), loads its user and checks
 * the token was issued for the user's current password (`token_version`), then makes that user the actor of
 * every event the request emits (`EventContext.setActor`) and records them as the opener of the request's story.
 * Routes need an actor unless `@Public()`; `@AdminOnly()` routes need the admin role. Nothing a client merely
 * claims (an `x-user-id` header, an id in the body) makes anyone an actor.
 */
@Injectable()
export class ActorGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly owners: TraceOwnersRepository,
    private readonly context: EventContext,
    private readonly bus: EventBusService,
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    if (execution.getType() !== 'http') return true;
    const targets = [execution.getHandler(), execution.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true;
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) === true;
    const request = execution.switchToHttp().getRequest<ActorRequest>();

    const found = await this.authenticate(request.headers.authorization);
    if (typeof found === 'string') {
      // A public route works anonymously, even for a client still sending a stale token (to log in again).
      if (isPublic) return true;
      this.bus.emit(AuthActorRejected, { reason: found, route: routeOf(request) });
      throw new UnauthorizedException(MESSAGES[found]);
    }
    request.actor = found;
    this.context.setActor(found.id);
    await this.owners.claim(found.id);
    if (adminOnly && found.role !== 'admin') {
      this.bus.emit(AuthAccessDenied, {
        actorId: found.id,
        action: routeOf(request),
        reason: 'admin role required',
      });
      throw new ForbiddenException('Only administrators may do this.');
    }
    return true;
  }

  /** The actor a valid, current token names, or why there is none. */
  private async authenticate(header: string | string[] | undefined): Promise<Actor | ActorRejection> {
    if (header === undefined || header === '') return 'missing';
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) return 'malformed';
    const verified = await this.tokens.verify(token);
    if (typeof verified === 'string') return verified;
    const user = await this.users.findById(verified.userId);
    if (!user || user.tokenVersion !== verified.tokenVersion) return 'revoked';
    return { id: user.id, username: user.username, email: user.email, role: user.role };
  }
}

/** `METHOD /path` for events: the request's method and path, without its query string. */
function routeOf(request: ActorRequest): string {
  return `${request.method ?? 'GET'} ${(request.url ?? '').split('?')[0]}`;
}

/** Throws 403 (and records `auth.access.denied`) unless `allowed`. */
export function requirePermission(
  bus: EventBusService,
  actor: Actor,
  allowed: boolean,
  action: string,
  reason: string,
): void {
  if (allowed) return;
  bus.emit(AuthAccessDenied, { actorId: actor.id, action, reason });
  throw new ForbiddenException(`You may not ${action}: ${reason}.`);
}
