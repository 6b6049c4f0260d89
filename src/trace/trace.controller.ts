import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { EventBusService, sanitizeCorrelationId } from 'nestjs-event-bus';
import { CurrentActor, type Actor } from '../auth/actor';
import { TraceOwnersRepository } from './trace-owners.repository';
import { TraceViewed } from './trace.events';
import { TraceService, type Trace } from './trace.service';

/** The one answer for a trace that does not exist and for one the reader may not see: nothing tells them apart. */
const NO_SUCH_TRACE = 'No trace with this correlation id.';

@Controller('events')
export class TraceController {
  constructor(
    private readonly traces: TraceService,
    private readonly owners: TraceOwnersRepository,
    private readonly bus: EventBusService,
  ) {}

  /**
   * Every event of one request (or job) as a causal tree, with handler outcomes. Administrators may read any
   * trace; other users the traces of the requests they opened (recorded server-side when their token was
   * verified), whatever correlation ids other callers sent. A trace they may not read answers 404 exactly like
   * an unknown one, and records nothing a reader could tell apart in their own request's story.
   */
  @Get('trace/:correlationId')
  async trace(@CurrentActor() actor: Actor, @Param('correlationId') correlationId: string): Promise<Trace> {
    if (sanitizeCorrelationId(correlationId) === undefined) throw new NotFoundException(NO_SUCH_TRACE);
    if (actor.role !== 'admin' && (await this.owners.ownerOf(correlationId)) !== actor.id) {
      throw new NotFoundException(NO_SUCH_TRACE);
    }
    const trace = await this.traces.trace(correlationId);
    if (trace.events === 0) throw new NotFoundException(NO_SUCH_TRACE);
    this.bus.emit(TraceViewed, { correlationId, events: trace.events });
    return trace;
  }
}
