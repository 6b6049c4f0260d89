import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { sanitizeCorrelationId, TraceNotFoundException } from 'nestjs-event-bus';
import type { Actor } from '../auth/actor';
import { TraceOwnersRepository } from './trace-owners.repository';

/**
 * Who may read a story at `GET /events/trace/:correlationId` (the plugin's trace controller): administrators any,
 * other users the stories they opened (recorded server-side when their token was verified), whatever ids other
 * callers sent. Runs after the global `ActorGuard`, so the reader is authenticated. A story they may not read
 * answers exactly like an unknown one (the plugin's `TraceNotFoundException`), and records nothing a reader
 * could tell apart in their own request's story.
 */
@Injectable()
export class TraceAccessGuard implements CanActivate {
  constructor(private readonly owners: TraceOwnersRepository) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const request = execution
      .switchToHttp()
      .getRequest<{ actor?: Actor; params: { correlationId?: string } }>();
    const correlationId = sanitizeCorrelationId(request.params.correlationId);
    const actor = request.actor;
    if (actor === undefined || correlationId === undefined) throw new TraceNotFoundException();
    if (actor.role === 'admin') return true;
    if ((await this.owners.ownerOf(correlationId)) !== actor.id) throw new TraceNotFoundException();
    return true;
  }
}
