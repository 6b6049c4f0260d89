import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { requirePermission } from '../auth/actor.guard';
import { CurrentActor, type Actor } from '../auth/actor';
import { TraceViewed } from './trace.events';
import { TraceService, type Trace } from './trace.service';

@Controller('events')
export class TraceController {
  constructor(
    private readonly traces: TraceService,
    private readonly bus: EventBusService,
  ) {}

  /**
   * Every event of one request (or job) as a causal tree, with handler outcomes. Administrators may read any
   * trace; other users only the traces of their own requests.
   */
  @Get('trace/:correlationId')
  async trace(@CurrentActor() actor: Actor, @Param('correlationId') correlationId: string): Promise<Trace> {
    const trace = await this.traces.trace(correlationId);
    if (trace.events === 0) throw new NotFoundException(`No events with correlation id "${correlationId}".`);
    requirePermission(
      this.bus,
      actor,
      actor.role === 'admin' || trace.actors.includes(actor.id),
      'read this trace',
      'only administrators and the request’s own actor may',
    );
    this.bus.emit(TraceViewed, { correlationId, events: trace.events });
    return trace;
  }
}
