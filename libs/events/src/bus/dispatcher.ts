import type { Logger } from '@nestjs/common';
import type { ClsService } from 'nestjs-cls';
import { errorMessage } from '../common/error-message';
import { childStore } from '../context/child-store';
import type { EventContextStore } from '../context/context.keys';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventTraceContext } from '../event/event.codec';
import type { EmitResult, EventMiddleware } from './bus.interfaces';
import type { EventHistory } from './event-history';
import { HandlerLoop } from './handler-loop';
import type { HandlerEntry, HandlerRegistry } from './handler-registry';
import type { BusTotals, HandlerRunner } from './handler-runner';
import type { InFlight } from './in-flight';
import { MiddlewareChain } from './middleware-chain';
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
 * The second stage: takes a built event through middleware, counts and keeps it, tells the observers, publishes
 * it when its route leaves the process, and hands its matching handlers to the handler loop. One path serves
 * `emit()` (handlers started, async ones tracked) and awaited delivery (`emitAsync()`, held and replayed events,
 * committed outbox rows and events that arrive already built): priority tiers one after another, each settled
 * before the next starts.
 */
export class Dispatcher implements AwaitedDispatch {
  private readonly middleware: MiddlewareChain;
  private readonly handlers: HandlerLoop;
  /** The telemetry when it wraps emits; read once here so that a bus without it tests one field per emit. */
  private readonly tracesEmits: BusTelemetry | undefined;

  constructor(private readonly parts: DispatcherParts) {
    this.tracesEmits = parts.telemetry?.aroundEmit === undefined ? undefined : parts.telemetry;
    this.middleware = new MiddlewareChain(parts.logger);
    this.handlers = new HandlerLoop(parts);
  }

  /** Adds middleware; returns a function that removes it. */
  use(middleware: EventMiddleware): () => void {
    return this.middleware.use(middleware);
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
    if (this.middleware.active) {
      const changed = this.middleware.before(event);
      if (changed === undefined) return { event, handled: 0, failed: [] };
      prepared = changed;
      route = this.routeOf(route, prepared);
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
    this.handlers.start(event, handlers, 0, context, null, pending);
    return pending.result();
  }

  /** Starts the handlers from `emit.next`, after the tier before them settled. */
  resume(emit: PendingEmit): void {
    this.handlers.start(emit.event, emit.handlers, emit.next, emit.store, emit.parent, emit);
  }

  /** Runs `after` middleware for a settled dispatch. */
  finished(event: BusEvent, result: EmitResult): void {
    if (this.middleware.active) this.middleware.after(event, result);
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

  private run(
    route: Route,
    original: BusEvent,
    size: number,
    store: EventContextStore | null | undefined,
    emit: PendingEmit | undefined,
  ): BusEvent | undefined {
    let event = original;
    // A committed outbox event went through middleware (and the transport) before it got here.
    if (this.middleware.active && emit?.prepared !== true) {
      const changed = this.middleware.before(event);
      if (changed === undefined) {
        emit?.dropped();
        return undefined;
      }
      event = changed;
      route = this.routeOf(route, event);
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
        ? this.handlers.start(event, handlers, 0, context, parent, emit)
        : this.handlers.startInParent(event, handlers, context!, parent, emit);
    if (emit === undefined && this.middleware.active) {
      this.middleware.after(event, { event, handled: started, failed: [] });
    }
    return event;
  }

  /** The route of `event`: `route` itself unless middleware changed the event's type. */
  private routeOf(route: Route, event: BusEvent): Route {
    return event.type === route.type ? route : this.parts.routes.routeFor(event.type);
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
}
