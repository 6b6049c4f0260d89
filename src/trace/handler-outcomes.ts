import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBusService, type BusEvent, type HandlerOutcome as Outcome } from 'nestjs-event-bus';

/** How one handler fared with one event (its final attempt). */
export interface HandlerOutcome {
  handler: string;
  outcome: Outcome;
  attempts: number;
}

const MAX_EVENTS = 5000;

/**
 * Remembers, for the most recent events, how each handler's attempts ended, so the trace can say which handler
 * succeeded, which retried and which failed.
 *
 * It watches the bus through `EventBusService.addObserver()` (dead letters alone only cover failures). Bounded
 * to the last 5,000 events.
 */
@Injectable()
export class HandlerOutcomes implements OnModuleInit, OnModuleDestroy {
  private readonly byEvent = new Map<string, Map<string, HandlerOutcome>>();
  private remove: (() => void) | undefined;

  constructor(private readonly bus: EventBusService) {}

  onModuleInit(): void {
    this.remove = this.bus.addObserver({
      onHandlerSettled: (event, handler, outcome) => this.settled(event, handler, outcome),
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }

  /** The outcomes recorded for an event, in the order the handlers first settled. */
  of(eventId: string): HandlerOutcome[] {
    return [...(this.byEvent.get(eventId)?.values() ?? [])];
  }

  private settled(event: BusEvent, handler: string, outcome: Outcome): void {
    let handlers = this.byEvent.get(event.id);
    if (!handlers) {
      if (this.byEvent.size >= MAX_EVENTS) this.byEvent.delete(this.byEvent.keys().next().value as string);
      handlers = new Map();
      this.byEvent.set(event.id, handlers);
    }
    const previous = handlers.get(handler);
    handlers.set(handler, { handler, outcome, attempts: (previous?.attempts ?? 0) + 1 });
  }
}
