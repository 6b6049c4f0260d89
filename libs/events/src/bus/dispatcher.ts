import type { Logger } from '@nestjs/common';
import type { ClsService } from 'nestjs-cls';
import { errorMessage } from '../common/error-message';
import { childStore } from '../context/child-store';
import type { EventContextStore } from '../context/context.keys';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventTraceContext } from '../event/event.codec';
import { deepFreeze } from '../event/json/json-payload';
import type { EmitResult, EventMiddleware } from './bus.interfaces';
import type { EventHistory } from './event-history';
import type { HandlerEntry, HandlerRegistry } from './handler-registry';
import type { BusTotals, HandlerRunner } from './handler-runner';
import type { InFlight } from './in-flight';
import type { ObserverSet } from './observer-set';
import type { BusTelemetry } from './ports/bus-telemetry.port';
import { PendingEmit, type AwaitedDispatch } from './pending-emit';
import type { Route, RouteTable } from './route-table';

/** What the dispatcher is built from. */
export interface DispatcherParts {
  readonly cls: ClsService;
  readonly routes: RouteTable;
  readonly registry: HandlerRegistry;
  readonly runner: HandlerRunner;
  readonly observers: ObserverSet;
  readonly inFlight: InFlight;
  readonly totals: BusTotals;
  readonly history: EventHistory | undefined;
  /** Whether `debug`-severity events are kept in the history. */
  readonly historyKeepsDebug: boolean;
  readonly logger: Logger;
  /** Sends the events of published routes to the transport (absent without a remote transport). */
  readonly publisher?: EventPublishing;
  /** Tracing hooks, when configured: `aroundEmit` wraps each dispatch of an event made here. */
  readonly telemetry?: BusTelemetry;
}

/** What the dispatcher needs of the publisher: hand an event over, or hand it over and learn the outcome. */
export interface EventPublishing {
  enqueue(event: BusEvent): void;
  /** Resolves true once the transport has the event, false if it was lost (never rejects). */
  publish(event: BusEvent): Promise<boolean>;
  /** Resolves once the transport has the event; rejects with its error when it did not take it (nothing is lost). */
  publishKept(event: BusEvent, trace: EventTraceContext | undefined): Promise<void>;
}

/**
 * The second stage: takes a built event through middleware, counts and keeps it, tells the observers, and starts
 * every matching handler in priority order inside the event's child context (entered once per event, a copy of
 * the context per handler when there are several). One path serves `emit()`
 * (handlers started, async ones tracked) and awaited delivery (`emitAsync()`, held and replayed events, and
 * events that arrive already built): priority tiers one after another, each settled before the next starts.
 */
export class Dispatcher implements AwaitedDispatch {
  private middleware: readonly EventMiddleware[] = [];
  // The handler loop's arguments, set right before it runs (inside `cls.runWith`, which takes no arguments) and
  // read into locals first thing, before any handler can emit and set them again.
  private loopEvent: BusEvent | undefined;
  private loopHandlers: readonly HandlerEntry[] = [];
  private loopFrom = 0;
  private loopStore: EventContextStore | null = null;
  private loopParent: EventContextStore | null = null;
  private loopEmit: PendingEmit | undefined;
  /** The telemetry when it wraps emits; read once here so that a bus without it tests one field per emit. */
  private readonly tracesEmits: BusTelemetry | undefined;

  constructor(private readonly parts: DispatcherParts) {
    this.tracesEmits = parts.telemetry?.aroundEmit === undefined ? undefined : parts.telemetry;
  }

  /** Adds middleware; returns a function that removes it. */
  use(middleware: EventMiddleware): () => void {
    if (typeof middleware?.before !== 'function' && typeof middleware?.after !== 'function') {
      throw new TypeError('use() needs an object with a before(event) and/or after(event, result) function.');
    }
    this.middleware = [...this.middleware, middleware];
    return () => {
      this.middleware = this.middleware.filter((m) => m !== middleware);
    };
  }

  /**
   * Dispatches an event without waiting for its handlers; returns the event as middleware left it. `store` is
   * the emitter's context as the emit read it, or undefined to read it now.
   */
  dispatch(route: Route, event: BusEvent, size: number, store?: EventContextStore | null): BusEvent {
    if (this.tracesEmits?.active() === true) return this.tracedRun(route, event, size, store, undefined);
    return this.run(route, event, size, store, undefined) ?? event;
  }

  /** Dispatches an event and resolves once every handler settled (retries included). */
  dispatchAwaited(
    route: Route,
    event: BusEvent,
    size: number,
    store?: EventContextStore | null,
    collectResults = false,
  ): Promise<EmitResult> {
    const pending = new PendingEmit(this, event, collectResults);
    try {
      if (this.tracesEmits?.active() === true) this.tracedRun(route, event, size, store, pending);
      else this.run(route, event, size, store, pending);
    } catch (error) {
      // Middleware threw before anything was started: the caller's promise rejects, as any async API would.
      return Promise.reject(error);
    }
    return pending.result();
  }

  /** The entry for an event that arrives already built (held at startup, replayed, or from a transport). */
  deliver(event: BusEvent, size: number, awaited: false): void;
  deliver(event: BusEvent, size: number, awaited: true): Promise<EmitResult>;
  deliver(event: BusEvent, size: number, awaited: boolean): Promise<EmitResult> | void {
    const route = this.parts.routes.routeFor(event.type);
    if (awaited) return this.dispatchAwaited(route, event, size);
    this.dispatch(route, event, size);
  }

  /**
   * The entry for an event an outbox kept until its transaction committed, dispatched here for the first time:
   * middleware, then (for a distributed event) the transport, awaited, then recording and the handlers as an
   * awaited emit, in a context made from the event alone (its correlation id and actor, itself as causation).
   * Rejects when middleware throws or the transport does not take the event, before anything was recorded or
   * handled, so that the outbox can keep the row and try again.
   */
  async deliverCommitted(event: BusEvent, size: number, trace?: EventTraceContext): Promise<EmitResult> {
    let route = this.parts.routes.routeFor(event.type);
    let prepared = event;
    if (this.middleware.length > 0) {
      const changed = this.runBefore(event);
      if (changed === undefined) return { event, handled: 0, failed: [] };
      prepared = changed;
      if (prepared.type !== route.type) route = this.parts.routes.routeFor(prepared.type);
    }
    const pending = new PendingEmit(this, prepared);
    pending.prepared = true;
    const publisher = this.parts.publisher;
    if (route.publishes && publisher !== undefined) {
      await publisher.publishKept(prepared, trace);
      pending.awaitPublish(Promise.resolve(true));
    }
    if (this.tracesEmits?.active() === true) this.tracedRun(route, prepared, size, null, pending);
    else this.run(route, prepared, size, null, pending);
    return pending.result();
  }

  /**
   * Runs the given handlers of an event that a transport delivered, in a context restored from the event
   * (correlation id, causation id = the event's id, actor), and resolves once they settled. Middleware, history
   * and observers saw the event where it was emitted. Failures go back to the caller for the transport to settle
   * rather than to the dead letters, unless `defersDeadLetters` is false (a dead letter's replay). `onSucceeded`
   * hears of each handler that succeeded.
   */
  dispatchInbound(
    event: BusEvent,
    handlers: readonly HandlerEntry[],
    onSucceeded?: (handler: string) => void,
    defersDeadLetters = true,
  ): Promise<EmitResult> {
    const pending = new PendingEmit(this, event);
    pending.delivered = true;
    pending.defersDeadLetters = defersDeadLetters;
    pending.onSucceeded = onSucceeded;
    const context = handlers.some((entry) => entry.ownContext) ? childStore(null, event) : null;
    pending.begin(event, handlers, context, null);
    this.startHandlers(event, handlers, 0, context, null, pending);
    return pending.result();
  }

  /**
   * `run` inside the telemetry's `aroundEmit`. A method of its own: a closure in `dispatch` would make V8
   * allocate its context on every emit, traced or not.
   */
  private tracedRun(
    route: Route,
    event: BusEvent,
    size: number,
    store: EventContextStore | null | undefined,
    emit: PendingEmit | undefined,
  ): BusEvent {
    return this.tracesEmits!.aroundEmit!(
      event,
      route.publishes,
      () => this.run(route, event, size, store, emit) ?? event,
    );
  }

  /** Starts the handlers from `emit.next`, after the tier before them settled. */
  resume(emit: PendingEmit): void {
    this.startHandlers(emit.event, emit.handlers, emit.next, emit.store, emit.parent, emit);
  }

  /** Runs `after` middleware for a settled dispatch. */
  finished(event: BusEvent, result: EmitResult): void {
    if (this.middleware.length > 0) this.runAfter(event, result);
  }

  private run(
    route: Route,
    original: BusEvent,
    size: number,
    store: EventContextStore | null | undefined,
    emit: PendingEmit | undefined,
  ): BusEvent | undefined {
    let event = original;
    // A committed outbox event went through middleware (and the transport) before it got here.
    if (this.middleware.length > 0 && emit?.prepared !== true) {
      const changed = this.runBefore(event);
      if (changed === undefined) {
        emit?.dropped();
        return undefined;
      }
      if (changed !== event) {
        event = changed;
        if (event.type !== route.type) route = this.parts.routes.routeFor(event.type);
      }
      // Middleware may have changed the context: read it again.
      store = undefined;
    }
    this.record(route, event, size, emit);
    if (route.publishes && emit?.prepared !== true) this.publish(event, emit);
    const handlers = route.handlers;
    let parent: EventContextStore | null = null;
    let context: EventContextStore | null = null;
    if (handlers.length > 0 && route.needsContext) {
      parent = store === undefined ? this.parentStore() : store;
      context = childStore(parent, event);
    }
    if (emit !== undefined) emit.begin(event, handlers, context, parent);
    const started =
      parent === null
        ? this.startHandlers(event, handlers, 0, context, parent, emit)
        : this.startInParent(event, handlers, context!, parent, emit);
    if (emit === undefined && this.middleware.length > 0) {
      this.runAfter(event, { event, handled: started, failed: [] });
    }
    return event;
  }

  /** Counts and keeps the event and tells the observers; their unfinished work is tracked or awaited. */
  private record(route: Route, event: BusEvent, size: number, emit: PendingEmit | undefined): void {
    const { totals, history, observers } = this.parts;
    totals.emitted++;
    route.counter.emitted++;
    if (history !== undefined && (event.severity !== 'debug' || this.parts.historyKeepsDebug)) {
      history.push(event, size);
    }
    const work = observers.event(event, emit !== undefined);
    if (work === undefined) return;
    if (emit !== undefined) emit.awaitObservers(work);
    else this.trackObserverWork(event, work);
  }

  private publish(event: BusEvent, emit: PendingEmit | undefined): void {
    const publisher = this.parts.publisher;
    if (publisher === undefined) return;
    if (emit === undefined) publisher.enqueue(event);
    else emit.awaitPublish(publisher.publish(event));
  }

  /**
   * Starts the handlers of a new dispatch when the emitter's store is the active one: enters the event's context
   * and enters the emitter's store again after, as `runWith` would, without its callback.
   */
  private startInParent(
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
  private startHandlers(
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

  /** The handler loop inside `runWith`, which passes no arguments: one callback for every dispatch. */
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

  /** The active context store, or null outside any context. */
  private parentStore(): EventContextStore | null {
    return (this.parts.cls.get() as EventContextStore | undefined) ?? null;
  }

  /** After `emit()`: keeps observer work visible to `drain()` and never lets it reject unhandled. */
  private trackObserverWork(event: BusEvent, work: Promise<void>[]): void {
    const { inFlight, logger } = this.parts;
    for (const promise of work) {
      inFlight.start();
      promise.then(
        () => inFlight.finish(),
        (error: unknown) => {
          logger.error(
            `Recording "${event.type}" (${event.id}) failed: ${errorMessage(error)}`,
            ...correlationLog(event.correlationId),
          );
          inFlight.finish();
        },
      );
    }
  }

  private runBefore(event: BusEvent): BusEvent | undefined {
    let current = event;
    for (const middleware of this.middleware) {
      if (!middleware.before) continue;
      const next = middleware.before(current);
      if (next === false) return undefined;
      if (next !== undefined && next !== current) current = deepFreeze(next);
    }
    return current;
  }

  private runAfter(event: BusEvent, result: EmitResult): void {
    for (const middleware of this.middleware) {
      if (!middleware.after) continue;
      try {
        middleware.after(event, result);
      } catch (error) {
        this.parts.logger.error(
          `An after() middleware threw on "${event.type}": ${errorMessage(error)}`,
          ...correlationLog(event.correlationId),
        );
      }
    }
  }
}
