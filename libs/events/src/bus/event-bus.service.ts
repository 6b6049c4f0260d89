import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import type { EventContextStore } from '../context/context.keys';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventData, EventDefinition, EventInput } from '../event/event-definition';
import {
  busOptionsOf,
  BUS_OPTIONS,
  HOLD_UNTIL_READY,
  type BusModuleOptions,
  type BusOptions,
} from './bus.options';
import type {
  DeadLetter,
  DeadLetterQuery,
  EmitAsyncOptions,
  EmitOptions,
  EmitResult,
  EventBusStats,
  EventHandler,
  EventMiddleware,
  EventPattern,
  HistoryQuery,
  ListenerInfo,
  ListenerOptions,
  ReplayQuery,
  Subscription,
} from './bus.interfaces';
import type { BusObserver } from './bus-observer';
import type { OutcomeLabelling, OutcomeTallies } from './handler-outcomes';
import { buildPipeline, outboxSide, statsOf, type Pipeline } from './pipeline';
import { BUS_TELEMETRY, type BusTelemetry } from './ports/bus-telemetry.port';
import { DEAD_LETTER_STORE, type DeadLetterStore } from './ports/dead-letter-store.port';
import { EVENT_INBOX, EVENT_OUTBOX, type EventInbox, type EventOutbox } from './ports/event-outbox.port';
import { RETRY_SCHEDULER, type RetryScheduler } from './ports/retry-scheduler.port';
import type { TransportDescription, TransportHealth, TransportStats } from './ports/event-transport.port';
import { assertPattern, type Route } from './route-table';
import { StartupHold } from './startup-hold';
import { noRemoteTransport } from './transport-link';
import type { WaitForOptions } from './subscriptions';
import { SYSTEM_DEFINITIONS } from './system-events';
import { busAnnouncements } from './announcements';
import { replayDeadLetter } from './dead-letter-replay';

type AnyDefinition = EventDefinition<unknown, unknown>;

/**
 * The event bus: emit events, subscribe handlers, and read back what happened. A thin face over a pipeline of
 * stages that call one way: event factory → dispatcher → handler runner → failure policy.
 *
 * Synchronous handlers finish inside `emit()`; async handlers are started and tracked (`drain()` waits for
 * them). A handler's failure never reaches the emitter or other handlers: it is retried per its policy, then
 * kept as a dead letter and announced as `event.handler.failed`.
 */
@Injectable()
export class EventBusService {
  private readonly logger = new Logger('EventBus');
  private readonly options: BusOptions;
  private readonly cls: ClsService;
  private readonly stages: Pipeline;
  private readonly hold: StartupHold;
  /** Takes events emitted inside a transaction; undefined (one field check per emit) without an outbox. */
  private readonly outbox: EventOutbox | undefined;
  private enabled = true;
  private ready: boolean;

  constructor(
    @Optional() @Inject(BUS_OPTIONS) options?: BusOptions | BusModuleOptions,
    @Optional() cls?: ClsService,
    @Optional() @Inject(HOLD_UNTIL_READY) holdUntilReady?: boolean,
    @Optional() @Inject(RETRY_SCHEDULER) retryScheduler?: RetryScheduler,
    @Optional() @Inject(DEAD_LETTER_STORE) deadLetterStore?: DeadLetterStore,
    @Optional() @Inject(BUS_TELEMETRY) telemetry?: BusTelemetry,
    @Optional() @Inject(EVENT_OUTBOX) outbox?: EventOutbox,
    @Optional() @Inject(EVENT_INBOX) inbox?: EventInbox,
  ) {
    this.options = busOptionsOf(options);
    this.cls = cls ?? ClsServiceManager.getClsService();
    this.ready = holdUntilReady !== true;
    this.hold = new StartupHold(this.options.maxHeldEvents, this.logger);
    telemetry ??= this.options.telemetry;
    const ports = { retryScheduler, deadLetterStore, telemetry, inbox: inbox ?? undefined };
    const announce = busAnnouncements(
      { emit: (definition, data, o) => this.stages.factory.announcing(() => this.emit(definition, data, o)) },
      () => this.stages.transport?.transportName ?? 'in-process',
    );
    this.stages = buildPipeline(this.options, this.cls, ports, this.logger, announce);
    this.stages.routes.register([...SYSTEM_DEFINITIONS, ...this.options.definitions]);
    this.outbox = outbox ?? undefined;
    this.outbox?.attach(outboxSide(this.stages));
  }

  /**
   * Emits an event and returns it. Synchronous handlers have run when this returns; async ones are started.
   * Throws `EventValidationError` (nothing dispatched or recorded) when the payload is invalid.
   */
  emit<D extends AnyDefinition>(
    definition: D,
    data: EventInput<D>,
    options?: EmitOptions,
  ): BusEvent<EventData<D>>;
  /** A definition without a payload type (`defineEvent('clock.tick')`) needs no payload. */
  emit(definition: EventDefinition<void, void>, data?: undefined, options?: EmitOptions): BusEvent<void>;
  emit<T = unknown>(type: string, data?: T, options?: EmitOptions): BusEvent<T>;
  emit(target: string | AnyDefinition, data?: unknown, options?: EmitOptions): BusEvent {
    const route = this.stages.routes.routeFor(target);
    const validated = this.stages.factory.validateSync(route, data);
    // One context read per emit: the event's ids come from it, and its handlers' context copies it.
    const store = this.parentStore();
    const { event, size } = this.stages.factory.create(route, validated, options, store, true);
    if (!this.enabled) return event;
    if (this.outbox !== undefined && this.outbox.capture(event, store)) return event;
    if (!this.ready) {
      this.hold.hold({ event, size });
      return event;
    }
    return this.stages.dispatcher.dispatch(route, event, size, store);
  }

  /**
   * Emits an event and resolves once every handler settled (retries included): priority tiers one after
   * another, handlers inside a tier concurrently. Never rejects for handler errors: they are listed in
   * `failed`. Rejects with `EventValidationError` for an invalid payload (supports async schemas).
   */
  emitAsync<D extends AnyDefinition>(
    definition: D,
    data: EventInput<D>,
    options?: EmitAsyncOptions,
  ): Promise<EmitResult<EventData<D>>>;
  emitAsync(
    definition: EventDefinition<void, void>,
    data?: undefined,
    options?: EmitAsyncOptions,
  ): Promise<EmitResult<void>>;
  emitAsync<T = unknown>(type: string, data?: T, options?: EmitAsyncOptions): Promise<EmitResult<T>>;
  emitAsync(target: string | AnyDefinition, data?: unknown, options?: EmitAsyncOptions): Promise<EmitResult> {
    try {
      const route = this.stages.routes.routeFor(target);
      const validated = this.stages.factory.validate(route, data);
      if (validated instanceof Promise) {
        return validated.then((value) => this.emitValidatedAsync(route, value, options));
      }
      return this.emitValidatedAsync(route, validated, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Subscribes `handler` to a type, a pattern (`user.*`, `tournament.**`) or a definition. */
  on<D extends AnyDefinition>(
    definition: D,
    handler: EventHandler<EventData<D>>,
    options?: ListenerOptions<EventData<D>>,
  ): Subscription;
  on<T = unknown>(pattern: string, handler: EventHandler<T>, options?: ListenerOptions<T>): Subscription;
  on(
    pattern: EventPattern,
    handler: EventHandler<never>,
    options: ListenerOptions<never> = {},
  ): Subscription {
    return this.stages.subscriptions.subscribe(
      pattern,
      handler as EventHandler,
      options as ListenerOptions,
      true,
    );
  }

  /** Like `on()`, unsubscribing after the first delivery. */
  once<D extends AnyDefinition>(
    definition: D,
    handler: EventHandler<EventData<D>>,
    options?: ListenerOptions<EventData<D>>,
  ): Subscription;
  once<T = unknown>(pattern: string, handler: EventHandler<T>, options?: ListenerOptions<T>): Subscription;
  once(
    pattern: EventPattern,
    handler: EventHandler<never>,
    options: ListenerOptions<never> = {},
  ): Subscription {
    const once = { ...(options as ListenerOptions), once: true };
    return this.stages.subscriptions.subscribe(pattern, handler as EventHandler, once, true);
  }

  /**
   * Resolves with the next matching event; rejects with `EventTimeoutError` after `timeoutMs` (default 5 s).
   * Leaves no listener or timer behind either way.
   */
  waitFor<D extends AnyDefinition>(
    definition: D,
    options?: WaitForOptions<EventData<D>>,
  ): Promise<BusEvent<EventData<D>>>;
  waitFor<T = unknown>(pattern: string, options?: WaitForOptions<T>): Promise<BusEvent<T>>;
  waitFor(pattern: EventPattern, options: WaitForOptions<never> = {}): Promise<BusEvent> {
    return this.stages.subscriptions.waitFor(pattern, options);
  }

  /** Adds middleware; returns a function that removes it. */
  use(middleware: EventMiddleware): () => void {
    return this.stages.dispatcher.use(middleware);
  }

  /**
   * Watches every recorded event and every handler outcome (audit, metrics and the event log use this).
   * Observers run synchronously on the hot path: keep them cheap. Returns a function that removes the observer.
   */
  addObserver(observer: BusObserver): () => void {
    return this.stages.observers.add(observer);
  }

  /** Declares definitions so `strict` mode accepts their types and string emits get validated. */
  register(...definitions: AnyDefinition[]): void {
    this.stages.routes.register(definitions);
  }

  /** The definition declaring `type`, if any. */
  definitionOf(type: string): AnyDefinition | undefined {
    return this.stages.routes.definitionOf(type);
  }

  /** Every declared definition (the bus's own included), in the order they were declared. */
  definitions(): EventDefinition<unknown, unknown>[] {
    return this.stages.routes.allDefinitions();
  }

  /** The subscribed listeners (not the bus's own waiters), in subscription order. */
  listeners(): ListenerInfo[] {
    return this.stages.subscriptions.listeners();
  }

  /** Recent events, oldest first (empty when history is off). */
  history(query?: HistoryQuery): BusEvent[] {
    if (query?.type !== undefined) assertPattern(query.type);
    return this.stages.history?.query(query) ?? [];
  }

  deadLetters(query?: DeadLetterQuery): DeadLetter[] {
    return this.stages.deadLetters.list(query);
  }

  /**
   * Delivers a dead letter's event again to the one handler that failed it (with its retry policy), or, for an
   * entry a transport dead-lettered whole (handler `*`), to every handler taking it from the transport. The dead
   * letter is removed first; if the handler fails again, a new one is recorded.
   */
  replayDeadLetter(id: string): Promise<EmitResult> {
    return replayDeadLetter(this.stages, id, this.parentStore());
  }

  stats(): EventBusStats {
    return statsOf(this.stages, { enabled: this.enabled, ready: this.ready }, this.hold);
  }

  /**
   * Without an argument, every subscribed handler. With a type or definition, the handlers an event of that
   * type reaches; with a wildcard pattern, the handlers subscribed with exactly that pattern.
   */
  listenerCount(pattern?: EventPattern): number {
    return this.stages.subscriptions.count(pattern);
  }

  /**
   * Resolves once no handler is running or waiting to retry. With `timeoutMs`, rejects with
   * `EventTimeoutError` (saying how many are still pending) when that passes first.
   */
  drain(timeoutMs?: number): Promise<void> {
    return this.stages.inFlight.idle(timeoutMs);
  }

  /** Handlers running or waiting to retry right now. */
  get pending(): number {
    return this.stages.inFlight.size;
  }

  /** Stop dispatching: while disabled, `emit()` validates and returns the event but delivers and records nothing. */
  disable(): void {
    this.enabled = false;
  }

  enable(): void {
    this.enabled = true;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Closes the bus for good (`EventBusClosedError` from then on; waiting retries given up); run by `app.close()`. */
  close(): void {
    this.stages.factory.close();
    this.stages.retryScheduler.abandonAll();
  }

  /** True once `close()` ran (after `app.close()`). */
  isClosed(): boolean {
    return this.stages.factory.isClosed;
  }

  /** True once listeners were discovered and held events released. */
  isReady(): boolean {
    return this.ready;
  }

  /** Internal (listener discovery): marks startup complete and delivers, in order, every event held until now. */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.hold.deliverAll(this.stages.dispatcher);
  }

  /**
   * Re-delivers to this service's handlers the distributed events the transport still holds between `from` and
   * `to` (default now), with `metadata.replay = true`; the group's position does not move. Needs a remote
   * transport that keeps events (Redis Streams keeps them for its `retention`).
   */
  replay(query: ReplayQuery): Promise<{ delivered: number }> {
    return this.stages.transport?.replay(query) ?? Promise.reject(noRemoteTransport('replay()'));
  }

  /** The remote transport's name (`redis-streams`...), or undefined when events stay in this process. */
  get transportName(): string | undefined {
    return this.stages.transport?.transportName;
  }

  /** What the remote transport says about itself (protocol, server, channels), for documents. */
  transportDescription(): TransportDescription | undefined {
    return this.stages.transport?.describe();
  }

  /** The remote transport's figures (`undefined` without one, or when it keeps none): for metrics. */
  transportStats(): Promise<(TransportStats & { transport: string }) | undefined> {
    return this.stages.transport?.stats() ?? Promise.resolve(undefined);
  }

  /** The remote transport's health (`undefined` without one): for the health indicator. */
  transportHealth(): Promise<(TransportHealth & { transport: string }) | undefined> {
    return this.stages.transport?.health() ?? Promise.resolve(undefined);
  }

  /** Internal (listener discovery): starts consuming from the transport, then relaying committed outbox rows. */
  async connect(): Promise<void> {
    await this.stages.transport?.start();
    await this.outbox?.start();
  }

  /** Internal (shutdown): stops the outbox relay, publishes what is waiting, then closes the transport. */
  async disconnect(): Promise<void> {
    await this.outbox?.stop();
    await this.stages.transport?.close();
  }

  /**
   * Internal (shutdown): gives up retries still waiting (after a drain timed out). An `emitAsync()` waiting on
   * one resolves with the handler's last failure rather than never.
   */
  cancelPendingRetries(): number {
    return this.stages.retryScheduler.abandonAll();
  }

  /** Internal (bridges): an error text with its secrets redacted, as dead letters get it. */
  redactErrorText(text: string): string {
    return this.stages.factory.redactText(text);
  }

  /**
   * Internal (bridges): records the final failure of a handler the bus did not run itself (e.g. a CQRS
   * `@EventsHandler`) like one of its own: counted, reported to observers, dead-lettered and announced as
   * `event.handler.failed`. Such a dead letter cannot be replayed (no handler of the bus to replay it to).
   */
  recordExternalFailure(event: BusEvent, handler: string, thrown: unknown, attempts = 1): void {
    this.stages.failures.recordExternal(event, handler, thrown, attempts);
  }

  /** Internal (metrics): counts handler outcomes per type label and handler, for reading at scrape time. */
  countHandlerOutcomes(labelling: OutcomeLabelling): OutcomeTallies {
    return this.stages.observers.outcomes.start(labelling);
  }

  private emitValidatedAsync(route: Route, data: unknown, options?: EmitAsyncOptions): Promise<EmitResult> {
    const store = this.parentStore();
    const { event, size } = this.stages.factory.create(route, data, options, store, false);
    if (!this.enabled) return Promise.resolve({ event, handled: 0, failed: [] });
    if (this.outbox !== undefined && this.outbox.capture(event, store)) {
      return Promise.resolve({ event, handled: 0, failed: [], deferred: true });
    }
    if (!this.ready) {
      this.hold.warnHeldEmitAsync(event.type);
      return new Promise<EmitResult>((settle, fail) => this.hold.hold({ event, size, settle, fail }));
    }
    return this.stages.dispatcher.dispatchAwaited(route, event, size, store, options?.results === true);
  }

  /** The active context store, or null outside any context. */
  private parentStore(): EventContextStore | null {
    return (this.cls.get() as EventContextStore | undefined) ?? null;
  }
}
