import type { Logger } from '@nestjs/common';
import type { ClsService } from 'nestjs-cls';
import { errorMessage } from '../common/error-message';
import { childStore } from '../context/child-store';
import type { EventContextStore } from '../context/context.keys';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { HandlerEntry, HandlerRegistry } from './handler-registry';
import type { HandlerRunner } from './handler-runner';
import type { PendingEmit } from './pending-emit';

/** What the handler loop is built from. */
export interface HandlerLoopParts {
  readonly cls: ClsService;
  readonly registry: HandlerRegistry;
  readonly runner: HandlerRunner;
  readonly logger: Logger;
}

/**
 * Starts the handlers of one dispatch in priority order, inside the event's child context (entered once per
 * event, a copy of it per handler when there are several), applying each handler's filter and `once`. An awaited
 * dispatch stops at the end of a priority tier still running and is resumed from there once it settled.
 */
export class HandlerLoop {
  // The loop's arguments, set right before it runs (inside `cls.runWith`, which takes no arguments) and read
  // into locals first thing, before any handler can emit and set them again.
  private loopEvent: BusEvent | undefined;
  private loopHandlers: readonly HandlerEntry[] = [];
  private loopFrom = 0;
  private loopStore: EventContextStore | null = null;
  private loopParent: EventContextStore | null = null;
  private loopEmit: PendingEmit | undefined;

  constructor(private readonly parts: HandlerLoopParts) {}

  /**
   * Starts the handlers of a new dispatch when the emitter's store is the active one: enters the event's context
   * and enters the emitter's store again after, as `runWith` would, without its callback.
   */
  startInParent(
    event: BusEvent,
    handlers: readonly HandlerEntry[],
    context: EventContextStore,
    parent: EventContextStore,
    emit: PendingEmit | undefined,
  ): number {
    if (handlers.length === 0) {
      emit?.allStarted();
      return 0;
    }
    const cls = this.parts.cls;
    cls.enterWith(context as never);
    try {
      return this.loop(event, handlers, 0, context, parent, emit);
    } finally {
      cls.enterWith(parent as never);
    }
  }

  /** Starts handlers[from..] (in the event's child context when it has one); returns how many it started. */
  start(
    event: BusEvent,
    handlers: readonly HandlerEntry[],
    from: number,
    context: EventContextStore | null,
    parent: EventContextStore | null,
    emit: PendingEmit | undefined,
  ): number {
    if (from >= handlers.length) {
      emit?.allStarted();
      return 0;
    }
    if (context === null) return this.loop(event, handlers, from, null, parent, emit);
    this.loopEvent = event;
    this.loopHandlers = handlers;
    this.loopFrom = from;
    this.loopStore = context;
    this.loopParent = parent;
    this.loopEmit = emit;
    return this.parts.cls.runWith(context as never, this.startLoop) as number;
  }

  /** The loop inside `runWith`, which passes no arguments: one callback for every dispatch. */
  private readonly startLoop = (): number =>
    this.loop(
      this.loopEvent!,
      this.loopHandlers,
      this.loopFrom,
      this.loopStore,
      this.loopParent,
      this.loopEmit,
    );

  /** Runs handlers[from..] in priority order; an awaited dispatch stops at the end of a tier still running. */
  private loop(
    event: BusEvent,
    handlers: readonly HandlerEntry[],
    from: number,
    context: EventContextStore | null,
    parent: EventContextStore | null,
    emit: PendingEmit | undefined,
  ): number {
    const runner = this.parts.runner;
    // With more than one handler to run, each gets its own copy of the event's context, entered for its call
    // (inside the event's context), so that what one handler writes no sibling sees.
    const ownCopies = context !== null && handlers.length - from > 1;
    // The event's context itself goes to the first handler of a dispatch; a resumed tier's handlers get copies,
    // since an earlier tier's first handler may have written to it.
    let fresh = from === 0 ? context : null;
    emit?.enterLoop();
    let started = 0;
    for (let i = from; i < handlers.length; i++) {
      const entry = handlers[i];
      // Awaited delivery: the next priority tier starts only once this one settled.
      if (emit !== undefined && i > from && entry.priority !== handlers[i - 1].priority && emit.busy()) {
        emit.leaveLoop(i);
        return started;
      }
      if (entry.active && this.passesFilter(entry, event)) {
        started++;
        emit?.started();
        let store = context;
        if (ownCopies && entry.ownContext) {
          // Made from the emitter's store like the first: copying one with symbol keys is a slow path.
          store = fresh ?? childStore(parent, event);
          fresh = null;
          this.parts.cls.enterWith(store as never);
        }
        runner.attempt(entry, event, 1, store, emit);
      }
    }
    emit?.leaveLoop(handlers.length);
    return started;
  }

  /** Applies the handler's filter and `once`; true when the handler should receive the event. */
  private passesFilter(entry: HandlerEntry, event: BusEvent): boolean {
    if (entry.filter !== undefined) {
      let pass: boolean;
      try {
        pass = entry.filter(event);
      } catch (error) {
        this.parts.logger.error(
          `The filter of handler "${entry.name}" threw on "${event.type}": ${errorMessage(error)}`,
          ...correlationLog(event.correlationId),
        );
        return false;
      }
      if (!pass) return false;
    }
    if (entry.once) this.parts.registry.remove(entry);
    return true;
  }
}
