import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import { UsersRepository } from '../users/users.repository';
import { ADMIN_ONLY, PUBLIC_ROUTE, type Actor } from './actor';
import { AuthAccessDenied, AuthActorRejected } from './auth.events';

const USER_ID = /^[A-Za-z0-9-]{1,64}$/;

interface ActorRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  url?: string;
  actor?: Actor;
}

/**
 * Who is calling: reads `x-user-id`, loads that user and makes them the actor of every event the request emits
 * (`EventContext.setActor`). Routes need an actor unless `@Public()`; `@AdminOnly()` routes need the admin role.
 */
@Injectable()
export class ActorGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersRepository,
    private readonly context: EventContext,
    private readonly bus: EventBusService,
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    if (execution.getType() !== 'http') return true;
    const targets = [execution.getHandler(), execution.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true;
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) === true;
    const request = execution.switchToHttp().getRequest<ActorRequest>();
    const route = `${request.method ?? 'GET'} ${(request.url ?? '').split('?')[0]}`;

    const header = request.headers['x-user-id'];
    if (header === undefined || header === '') {
      if (isPublic) return true;
      this.bus.emit(AuthActorRejected, { reason: 'missing', route });
      throw new UnauthorizedException(
        'Send the x-user-id header with your user id (POST /users returns it).',
      );
    }
    if (typeof header !== 'string' || !USER_ID.test(header)) {
      this.bus.emit(AuthActorRejected, { reason: 'malformed', route });
      throw new UnauthorizedException(
        'The x-user-id header must be one user id (letters, digits and dashes).',
      );
    }
    const user = await this.users.findById(header);
    if (!user) {
      this.bus.emit(AuthActorRejected, { reason: 'unknown-user', route });
      throw new UnauthorizedException('The x-user-id header names no existing user.');
    }
    const actor: Actor = { id: user.id, username: user.username, email: user.email, role: user.role };
    request.actor = actor;
    this.context.setActor(actor.id);
    if (adminOnly && actor.role !== 'admin') {
      this.bus.emit(AuthAccessDenied, { actorId: actor.id, action: route, reason: 'admin role required' });
      throw new ForbiddenException('Only administrators may do this.');
    }
    return true;
  }
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
