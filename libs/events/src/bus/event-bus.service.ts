import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import {
  ACTOR_ID_KEY,
  CAUSATION_ID_KEY,
  CORRELATION_ID_KEY,
  type EventContextStore,
} from '../context/context.keys';
import { correlationLog } from '../context/correlation-log';
import { EventTimeoutError } from '../errors/event-timeout.error';
import { EventValidationError } from '../errors/event-validation.error';
import { UnknownEventTypeError } from '../errors/unknown-event-type.error';
import { EVENT_SEVERITIES, type BusEvent } from '../event/bus-event.interface';
import {
  isEventDefinition,
  type EventData,
  type EventDefinition,
  type EventInput,
} from '../event/event-definition';
import { EventIdGenerator } from '../event/event-id.generator';
import { explainEventType, explainPattern, isWildcardPattern } from '../event/event-type';
import { deepFreeze, normalizePayload } from '../event/json/json-payload';
import { EVENTS_HOLD_UNTIL_READY, EVENTS_MODULE_OPTIONS } from '../module/events.tokens';
import type { EventsModuleOptions } from '../module/events-module.options';
import { resolveEventsOptions, type ResolvedEventsOptions } from '../module/resolve-options';
import type {
  DeadLetter,
  DeadLetterQuery,
  EmitOptions,
  EmitResult,
  EventBusStats,
  EventHandler,
  EventMiddleware,
  EventPattern,
  HandlerFailure,
  HistoryQuery,
  ListenerOptions,
  Subscription,
} from './bus.interfaces';
import { KeyRedactor } from '../event/key-redactor';
import type { BusObserver, HandlerOutcome } from './bus-observer';
import { DeadLetterQueue } from './dead-letter.queue';
import { EventHistory } from './event-history';
import { HandlerRegistry, type HandlerEntry } from './handler-registry';
import { HandlerCounters } from './handler-stats';
import { resolveRetryPolicy, retryDelay } from './retry-policy';
import { SYSTEM_DEFINITIONS, HandlerFailed } from './system-events';

/** Everything the dispatcher needs for one event type, cached until the set of handlers changes. */
interface Route {
  readonly type: string;
  readonly definition: EventDefinition<unknown, unknown> | undefined;
  readonly handlers: readonly HandlerEntry[];
  tiers: readonly (readonly HandlerEntry[])[] | undefined;
  readonly counter: { emitted: number };
}

/** An event emitted before startup completed, waiting for listeners to be discovered. */
interface HeldEvent {
  event: BusEvent;
  size: number;
  settle?: (result: EmitResult) => void;
  fail?: (error: unknown) => void;
}

/** Called with the final outcome of one handler for one event: its failure, or undefined on success. */
type Settled = (failure: HandlerFailure | undefined) => void;

const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});
const MAX_ROUTES = 10_000;
const MAX_TYPES_IN_STATS = 1000;
const SYNC_TIMING_SAMPLE_MASK = 15;
const ENVELOPE_BYTES = 240;
/** The event fields an emit's options can set that must be non-empty strings. */
const ID_OPTIONS = ['correlationId', 'causationId', 'actorId', 'source'] as const;

/**
 * The event bus: emit events, subscribe handlers, and read back what happened.
 *
 * Synchronous handlers finish inside `emit()`; async handlers are started and tracked (`drain()` waits for
 * them). A handler's failure never reaches the emitter or other handlers: it is retried per its policy, then
 * kept as a dead letter and announced as `event.handler.failed`.
 */
@Injectable()
export class EventBusService {
  private readonly logger = new Logger('EventBus');
  private readonly options: ResolvedEventsOptions;
  private readonly cls: ClsService;
  private readonly ids = new EventIdGenerator();
  private readonly registry = new HandlerRegistry();
  /** Routes of string emits, by type: validated against the type's declared definition (the first registered). */
  private readonly routes = new Map<string, Route>();
  /** Routes of emits by a definition other than the one declared for its type (another version, say). */
  private readonly definitionRoutes = new Map<EventDefinition<unknown, unknown>, Route>();
  private routesVersion = 0;
  private readonly definitions = new Map<string, EventDefinition<unknown, unknown>>();
  private readonly typeCounters = new Map<string, { emitted: number }>();
  private readonly handlerCounters = new Map<string, HandlerCounters>();
  private readonly recent: EventHistory | undefined;
  private readonly deadLetterQueue: DeadLetterQueue;
  /** The exact subscription each dead letter came from (names can repeat); dropped with evicted letters. */
  private readonly replayTargets = new WeakMap<DeadLetter, HandlerEntry>();
  /** Replaces secret payload keys when events are created; one per bus (it caches its decisions). */
  private readonly redactor: KeyRedactor | undefined;
  private middleware: readonly EventMiddleware[] = [];
  private observers: readonly BusObserver[] = [];
  // The observers that have each hook, so a hook's call sites loop only over those that implement it.
  private eventObservers: readonly BusObserver[] = [];
  private settledObservers: readonly BusObserver[] = [];
  private deadLetterObservers: readonly BusObserver[] = [];
  private enabled = true;
  private ready: boolean;
  private held: HeldEvent[] = [];
  private droppedBeforeReady = 0;
  private warnedHeldEmitAsync = false;
  private inFlight = 0;
  private drainWaiters: (() => void)[] = [];
  /** Retries waiting for their timer, each with what settles it as failed if it is cancelled. */
  private readonly retryTimers = new Map<NodeJS.Timeout, () => void>();
  private emittedTotal = 0;
  private handledTotal = 0;
  private failedTotal = 0;
  private retriedTotal = 0;
  /** Approximate JSON size of the event `createEvent()` built last; read right after, in the same call. */
  private lastEventSize = 0;
  /** What `invokeIsolated` runs next; set by `runIsolated()` just before it calls it. */
  private isolatedEntry: HandlerEntry | undefined;
  private isolatedEvent: BusEvent | undefined;

  constructor(
    @Optional() @Inject(EVENTS_MODULE_OPTIONS) options?: EventsModuleOptions,
    @Optional() cls?: ClsService,
    @Optional() @Inject(EVENTS_HOLD_UNTIL_READY) holdUntilReady?: boolean,
  ) {
    this.options = resolveEventsOptions(options);
    this.cls = cls ?? ClsServiceManager.getClsService();
    this.ready = holdUntilReady !== true;
    const history = this.options.history;
    this.recent = history ? new EventHistory(history.maxEvents, history.maxBytes) : undefined;
    this.deadLetterQueue = new DeadLetterQueue(this.options.deadLetters.maxEntries);
    const redaction = this.options.redaction;
    this.redactor = redaction ? new KeyRedactor(redaction.keys, redaction.marker) : undefined;
    for (const definition of [...SYSTEM_DEFINITIONS, ...this.options.definitions]) this.register(definition);
  }

  /** The options this bus runs with, defaults applied. */
  get settings(): ResolvedEventsOptions {
    return this.options;
  }

  // ---------------------------------------------------------------------------------------------- emitting

  /**
   * Emits an event and returns it. Synchronous handlers have run when this returns; async ones are started.
   * Throws `EventValidationError` (nothing dispatched or recorded) when the payload is invalid.
   */
  emit<D extends EventDefinition<unknown, unknown>>(
    definition: D,
    data: EventInput<D>,
    options?: EmitOptions,
  ): BusEvent<EventData<D>>;
  /** A definition without a payload type (`defineEvent('clock.tick')`) needs no payload. */
  emit(definition: EventDefinition<void, void>, data?: undefined, options?: EmitOptions): BusEvent<void>;
  emit<T = unknown>(type: string, data?: T, options?: EmitOptions): BusEvent<T>;
  emit(target: string | EventDefinition<unknown, unknown>, data?: unknown, options?: EmitOptions): BusEvent {
    const route = this.routeFor(target);
    const validated = this.validateSync(route, data);
    // One context read per emit: the event's ids come from it, and handlers' contexts copy it.
    const store = this.parentStore();
    const event = this.createEvent(route, validated, options, store);
    if (!this.enabled) return event;
    if (!this.ready) {
      this.hold({ event, size: this.lastEventSize });
      return event;
    }
    return this.dispatch(route, event, this.lastEventSize, store);
  }

  /**
   * Emits an event and resolves once every handler settled (retries included): priority tiers one after
   * another, handlers inside a tier concurrently. Never rejects for handler errors: they are listed in
   * `failed`. Rejects with `EventValidationError` for an invalid payload (supports async schemas).
   */
  emitAsync<D extends EventDefinition<unknown, unknown>>(
    definition: D,
    data: EventInput<D>,
    options?: EmitOptions,
  ): Promise<EmitResult<EventData<D>>>;
  emitAsync(
    definition: EventDefinition<void, void>,
    data?: undefined,
    options?: EmitOptions,
  ): Promise<EmitResult<void>>;
  emitAsync<T = unknown>(type: string, data?: T, options?: EmitOptions): Promise<EmitResult<T>>;
  async emitAsync(
    target: string | EventDefinition<unknown, unknown>,
    data?: unknown,
    options?: EmitOptions,
  ): Promise<EmitResult> {
    const route = this.routeFor(target);
    const validated = await this.validate(route, data);
    const store = this.parentStore();
    const event = this.createEvent(route, validated, options, store);
    const size = this.lastEventSize;
    if (!this.enabled) return { event, handled: 0, failed: [] };
    if (!this.ready) {
      this.warnHeldEmitAsync(event.type);
      return new Promise<EmitResult>((settle, fail) => this.hold({ event, size, settle, fail }));
    }
    return this.dispatchAsync(route, event, size, store);
  }

  // ------------------------------------------------------------------------------------------- subscribing

  /** Subscribes `handler` to a type, a pattern (`user.*`, `tournament.**`) or a definition. */
  on<D extends EventDefinition<unknown, unknown>>(
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
    return this.subscribe(pattern, handler as EventHandler, options as ListenerOptions, true);
  }

  /** Like `on()`, unsubscribing after the first delivery. */
  once<D extends EventDefinition<unknown, unknown>>(
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
    return this.subscribe(
      pattern,
      handler as EventHandler,
      { ...(options as ListenerOptions), once: true },
      true,
    );
  }

  /**
   * Resolves with the next matching event; rejects with `EventTimeoutError` after `timeoutMs` (default 5 s).
   * Leaves no listener or timer behind either way.
   */
  waitFor<D extends EventDefinition<unknown, unknown>>(
    definition: D,
    options?: { timeoutMs?: number; filter?: (event: BusEvent<EventData<D>>) => boolean },
  ): Promise<BusEvent<EventData<D>>>;
  waitFor<T = unknown>(
    pattern: string,
    options?: { timeoutMs?: number; filter?: (event: BusEvent<T>) => boolean },
  ): Promise<BusEvent<T>>;
  waitFor(
    pattern: EventPattern,
    options: { timeoutMs?: number; filter?: (event: BusEvent<never>) => boolean } = {},
  ): Promise<BusEvent> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const label = typeof pattern === 'string' ? pattern : pattern.type;
    return new Promise<BusEvent>((resolve, reject) => {
      // Subscribe before arming the timer: a bad pattern throws here (rejecting) and must not leave a timer.
      // The handler cannot run before `timer` is set: subscribing never dispatches.
      const subscription = this.subscribe(
        pattern,
        (event) => {
          clearTimeout(timer);
          resolve(event);
        },
        { once: true, filter: options.filter as ListenerOptions['filter'], name: `waitFor(${label})` },
        false,
      );
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(new EventTimeoutError(`No "${label}" event arrived within ${timeoutMs} ms.`, timeoutMs));
      }, timeoutMs);
    });
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
   * Watches every recorded event and every handler outcome (audit, metrics and tracing use this). Observers run
   * synchronously on the hot path: keep them cheap. Which hooks an observer has is read when it is added. Returns
   * a function that removes the observer.
   */
  addObserver(observer: BusObserver): () => void {
    this.setObservers([...this.observers, observer]);
    return () => this.setObservers(this.observers.filter((o) => o !== observer));
  }

  private setObservers(observers: readonly BusObserver[]): void {
    this.observers = observers;
    this.eventObservers = observers.filter((o) => typeof o.onEvent === 'function');
    this.settledObservers = observers.filter((o) => typeof o.onHandlerSettled === 'function');
    this.deadLetterObservers = observers.filter((o) => typeof o.onDeadLetter === 'function');
  }

  /** Declares definitions so `strict` mode accepts their types and string emits get validated. */
  register(...definitions: EventDefinition<unknown, unknown>[]): void {
    for (const definition of definitions) {
      const known = this.definitions.get(definition.type);
      if (
        known &&
        known !== definition &&
        known.version === definition.version &&
        known.schema !== definition.schema
      ) {
        this.logger.warn(
          `Two different definitions declare "${definition.type}" v${definition.version}; the first wins.`,
        );
        continue;
      }
      if (!known) {
        this.definitions.set(definition.type, definition);
        this.routes.delete(definition.type);
      }
    }
  }

  /** The definition declaring `type`, if any. */
  definitionOf(type: string): EventDefinition<unknown, unknown> | undefined {
    return this.definitions.get(type);
  }

  // --------------------------------------------------------------------------------------------- reading

  /** Recent events, oldest first (empty when history is off). */
  history(query?: HistoryQuery): BusEvent[] {
    if (query?.type !== undefined) this.assertPattern(query.type);
    return this.recent?.query(query) ?? [];
  }

  deadLetters(query?: DeadLetterQuery): DeadLetter[] {
    return this.deadLetterQueue.list(query);
  }

  /**
   * Delivers a dead letter's event again to the one handler that failed it (with its retry policy). The dead
   * letter is removed first; if the handler fails again, a new one is recorded.
   */
  async replayDeadLetter(id: string): Promise<EmitResult> {
    const letter = this.deadLetterQueue.get(id);
    if (!letter) throw new Error(`No dead letter with id "${id}" (it may have been replayed or evicted).`);
    const target = this.replayTargets.get(letter);
    const entry =
      target?.active === true
        ? target
        : this.registry.all().find((e) => e.name === letter.handler && e.matches(letter.event.type));
    if (!entry) {
      throw new Error(
        `Cannot replay dead letter "${id}": handler "${letter.handler}" is no longer subscribed to "${letter.event.type}".`,
      );
    }
    this.deadLetterQueue.remove(id);
    const failure = await this.deliverAwaiting(entry, letter.event, this.parentStore());
    return { event: letter.event, handled: 1, failed: failure ? [failure] : [] };
  }

  stats(): EventBusStats {
    const byType: Record<string, number> = {};
    for (const [type, counter] of this.typeCounters) byType[type] = counter.emitted;
    const handlers: EventBusStats['handlers'] = {};
    for (const [name, counters] of this.handlerCounters) handlers[name] = counters.snapshot();
    return {
      enabled: this.enabled,
      ready: this.ready,
      emitted: this.emittedTotal,
      handled: this.handledTotal,
      failed: this.failedTotal,
      retried: this.retriedTotal,
      deadLetters: this.deadLetterQueue.total,
      inFlight: this.inFlight,
      held: this.held.length,
      droppedBeforeReady: this.droppedBeforeReady,
      listeners: this.registry.size,
      history: {
        size: this.recent?.size ?? 0,
        bytes: this.recent?.bytes ?? 0,
        evicted: this.recent?.evicted ?? 0,
      },
      byType,
      handlers,
    };
  }

  /**
   * Without an argument, every subscribed handler. With a type or definition, the handlers an event of that
   * type reaches; with a wildcard pattern, the handlers subscribed with exactly that pattern.
   */
  listenerCount(pattern?: EventPattern): number {
    if (pattern === undefined) return this.registry.size;
    const key = typeof pattern === 'string' ? pattern : pattern.type;
    if (isWildcardPattern(key)) return this.registry.all().filter((e) => e.pattern === key).length;
    return this.registry.countFor(key);
  }

  /**
   * Resolves once no handler is running or waiting to retry. With `timeoutMs`, rejects with
   * `EventTimeoutError` (saying how many are still pending) when that passes first.
   */
  drain(timeoutMs?: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.drainWaiters.push(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
          reject(
            new EventTimeoutError(
              `${this.inFlight} handler(s) still running or waiting to retry after ${timeoutMs} ms.`,
              timeoutMs,
            ),
          );
        }, timeoutMs);
      }
    });
  }

  /** Handlers running or waiting to retry right now. */
  get pending(): number {
    return this.inFlight;
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

  // ------------------------------------------------------------------------- lifecycle (used by the module)

  /** True once listeners were discovered and held events released. */
  isReady(): boolean {
    return this.ready;
  }

  /** Marks startup complete and delivers, in order, every event held until now. */
  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    const held = this.held;
    this.held = [];
    for (const item of held) {
      const route = this.routeFor(item.event.type);
      if (item.settle) {
        this.dispatchAsync(route, item.event, item.size).then(item.settle, item.fail);
        continue;
      }
      // Its emitter is long gone: a throwing middleware must not cost the other held events (or startup).
      try {
        this.dispatch(route, item.event, item.size);
      } catch (error) {
        const { type, id } = item.event;
        this.logger.error(`Delivering held event "${type}" (${id}) failed: ${messageOf(error)}`);
      }
    }
  }

  /**
   * Cancels retries still waiting for their timer (after a drain timed out at shutdown). An `emitAsync()` waiting
   * on one resolves with the handler's last failure rather than never.
   */
  cancelPendingRetries(): number {
    const cancelled = [...this.retryTimers.values()];
    for (const timer of this.retryTimers.keys()) clearTimeout(timer);
    this.retryTimers.clear();
    this.inFlight -= cancelled.length;
    if (this.inFlight <= 0) this.releaseDrainWaiters();
    for (const settleAsFailed of cancelled) settleAsFailed();
    return cancelled.length;
  }

  /**
   * Internal (bridges): records the final failure of a handler the bus did not run itself (e.g. a CQRS
   * `@EventsHandler`) like one of its own: counted, reported to observers, dead-lettered and announced as
   * `event.handler.failed`. Such a dead letter cannot be replayed (no handler of the bus to replay it to).
   */
  recordExternalFailure(event: BusEvent, handler: string, thrown: unknown, attempts = 1): void {
    const entry = { name: handler };
    this.failedTotal++;
    if (this.settledObservers.length > 0) this.notifySettled(entry, event, 'failure');
    this.deadLetter(entry, event, asError(thrown), attempts);
  }

  // -------------------------------------------------------------------------------------------- internals

  private subscribe(
    pattern: EventPattern,
    handler: EventHandler,
    options: ListenerOptions,
    isolated: boolean,
  ): Subscription {
    if (typeof handler !== 'function') throw new TypeError('A listener must be a function.');
    const key = this.patternKey(pattern);
    const retry =
      options.retry === undefined ? this.options.retry : resolveRetryPolicy(options.retry, 'retry');
    if (typeof retry === 'string') throw new TypeError(`Invalid listener option: ${retry}.`);
    if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
      throw new TypeError('Invalid listener option: timeoutMs must be a number of milliseconds > 0.');
    }
    const priority = options.priority ?? 0;
    if (!Number.isFinite(priority))
      throw new TypeError('Invalid listener option: priority must be a finite number.');
    const name = options.name ?? (handler.name || 'anonymous');
    const entry = this.registry.add({
      pattern: key,
      priority,
      name,
      handler,
      filter: options.filter,
      once: options.once === true,
      retry,
      timeoutMs: options.timeoutMs,
      isolated,
      counters: this.countersFor(name),
    });
    const registry = this.registry;
    return {
      unsubscribe: () => registry.remove(entry),
      get active() {
        return entry.active;
      },
    };
  }

  private patternKey(pattern: EventPattern): string {
    if (isEventDefinition(pattern)) {
      this.register(pattern);
      return pattern.type;
    }
    this.assertPattern(pattern);
    if (this.options.strict && !isWildcardPattern(pattern) && !this.definitions.has(pattern)) {
      throw new UnknownEventTypeError(pattern);
    }
    return pattern;
  }

  private assertPattern(pattern: unknown): asserts pattern is string {
    const problem = explainPattern(pattern);
    if (problem) throw new TypeError(problem);
  }

  private countersFor(name: string): HandlerCounters {
    let counters = this.handlerCounters.get(name);
    if (!counters) {
      counters = new HandlerCounters();
      this.handlerCounters.set(name, counters);
    }
    return counters;
  }

  /** The cached route for a type, built on first sight (and after any (un)subscribe). */
  private routeFor(target: string | EventDefinition<unknown, unknown>): Route {
    if (this.routesVersion !== this.registry.version) {
      this.routes.clear();
      this.definitionRoutes.clear();
      this.routesVersion = this.registry.version;
    }
    if (typeof target === 'string') return this.routes.get(target) ?? this.buildRoute(target);
    const route = this.routes.get(target?.type);
    if (route !== undefined && route.definition === target) return route;
    return this.definitionRoutes.get(target) ?? this.buildRoute(target);
  }

  private buildRoute(target: string | EventDefinition<unknown, unknown>): Route {
    if (typeof target !== 'string') {
      if (!isEventDefinition(target)) {
        throw new TypeError('emit() takes an event type string or a definition made with defineEvent().');
      }
      this.register(target);
    }
    const type = typeof target === 'string' ? target : target.type;
    const problem = explainEventType(type);
    if (problem) throw new EventValidationError(undefined, [{ path: 'type', message: problem }]);
    const definition = typeof target === 'string' ? this.definitions.get(type) : target;
    if (this.options.strict && !definition) throw new UnknownEventTypeError(type);
    const route: Route = {
      type,
      definition,
      handlers: this.registry.resolve(type),
      tiers: undefined,
      counter: this.typeCounter(type),
    };
    // Only the declared definition's route serves string emits of the type, whatever was emitted before.
    if (definition !== undefined && definition !== this.definitions.get(type)) {
      remember(this.definitionRoutes, definition, route);
    } else {
      remember(this.routes, type, route);
    }
    return route;
  }

  private typeCounter(type: string): { emitted: number } {
    let counter = this.typeCounters.get(type);
    if (!counter) {
      const key = this.typeCounters.size < MAX_TYPES_IN_STATS ? type : 'other';
      counter = this.typeCounters.get(key) ?? { emitted: 0 };
      this.typeCounters.set(key, counter);
    }
    return counter;
  }

  private validateSync(route: Route, data: unknown): unknown {
    const schema = route.definition?.schema;
    if (schema === undefined) return data;
    const result = schema['~standard'].validate(data);
    if (result instanceof Promise) {
      throw new EventValidationError(
        route.type,
        [{ path: '', message: 'the schema validates asynchronously' }],
        'Use emitAsync() for definitions with async schemas.',
      );
    }
    return this.schemaOutput(route.type, result);
  }

  private async validate(route: Route, data: unknown): Promise<unknown> {
    const schema = route.definition?.schema;
    if (schema === undefined) return data;
    return this.schemaOutput(route.type, await schema['~standard'].validate(data));
  }

  private schemaOutput(
    type: string,
    result: { value?: unknown; issues?: readonly { message: string; path?: readonly unknown[] }[] },
  ): unknown {
    if (!result.issues) return result.value;
    throw new EventValidationError(
      type,
      result.issues.map((issue) => ({
        path: (issue.path ?? [])
          .map((p) => (typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p)))
          .join('.'),
        message: issue.message,
      })),
    );
  }

  private createEvent(
    route: Route,
    data: unknown,
    options: EmitOptions | undefined,
    store: EventContextStore | null,
  ): BusEvent {
    let payload: unknown = null;
    let size = ENVELOPE_BYTES;
    if (data !== undefined) {
      const normalized = normalizePayload(data, this.redactor);
      if (normalized.issues) throw new EventValidationError(route.type, normalized.issues);
      payload = normalized.value;
      size += normalized.size;
    }
    let metadata = EMPTY_METADATA;
    if (options?.metadata !== undefined) {
      const normalized = normalizePayload(options.metadata, this.redactor);
      if (normalized.issues) {
        throw new EventValidationError(
          route.type,
          normalized.issues.map((i) => ({ ...i, path: `metadata.${i.path}` })),
        );
      }
      metadata = normalized.value as Record<string, unknown>;
      size += normalized.size;
    }

    const id = this.ids.next();
    const definition = route.definition;
    const event: {
      -readonly [K in keyof BusEvent]: BusEvent[K];
    } = {
      id,
      type: route.type,
      version: definition?.version ?? 1,
      data: payload,
      timestamp: this.ids.timestamp(),
      correlationId: options?.correlationId ?? store?.[CORRELATION_ID_KEY] ?? id,
      source: options?.source ?? this.options.source,
      severity: options?.severity ?? definition?.severity ?? 'info',
      metadata,
    };
    const causationId = options?.causationId ?? store?.[CAUSATION_ID_KEY];
    if (causationId !== undefined) event.causationId = causationId;
    const actorId = options?.actorId ?? store?.[ACTOR_ID_KEY];
    if (actorId !== undefined) event.actorId = actorId;
    if (options !== undefined) this.checkEmitOptions(route.type, event);
    this.lastEventSize = size;
    return Object.freeze(event);
  }

  private checkEmitOptions(type: string, event: BusEvent): void {
    for (const key of ID_OPTIONS) {
      const value = event[key];
      if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 200)) {
        throw new EventValidationError(type, [
          { path: key, message: 'must be a non-empty string of at most 200 characters' },
        ]);
      }
    }
    if (!EVENT_SEVERITIES.includes(event.severity)) {
      throw new EventValidationError(type, [
        { path: 'severity', message: `must be one of ${EVENT_SEVERITIES.join(', ')}` },
      ]);
    }
  }

  /** Runs middleware, records, and starts every handler. Returns the (possibly replaced) event. */
  private dispatch(
    route: Route,
    original: BusEvent,
    size: number,
    store?: EventContextStore | null,
  ): BusEvent {
    let event = original;
    if (this.middleware.length > 0) {
      const changed = this.runBefore(event);
      if (changed === undefined) return original;
      if (changed !== event) {
        event = changed;
        if (event.type !== route.type) route = this.routeFor(event.type);
      }
    }
    const pending = this.record(route, event, size);
    if (pending !== undefined) this.trackObserverWork(event, pending);
    const handlers = route.handlers;
    // Every handler's child context copies the same parent: read the store once per emit, not per handler.
    const parent = handlers.length === 0 ? null : this.handlersParent(store);
    let started = 0;
    for (let i = 0; i < handlers.length; i++) {
      const entry = handlers[i];
      if (entry.active && this.claim(entry, event)) {
        started++;
        this.attempt(entry, event, 1, undefined, parent);
      }
    }
    if (this.middleware.length > 0) this.runAfter(event, { event, handled: started, failed: [] });
    return event;
  }

  private async dispatchAsync(
    route: Route,
    original: BusEvent,
    size: number,
    store?: EventContextStore | null,
  ): Promise<EmitResult> {
    let event = original;
    if (this.middleware.length > 0) {
      const changed = this.runBefore(event);
      if (changed === undefined) return { event: original, handled: 0, failed: [] };
      if (changed !== event) {
        event = changed;
        if (event.type !== route.type) route = this.routeFor(event.type);
      }
    }
    const pending = this.record(route, event, size);
    const failed: HandlerFailure[] = [];
    let handled = 0;
    // The emitter's context is still the active one after each tier's await: one read serves every tier.
    const parent = this.handlersParent(store);
    for (const tier of this.tiersOf(route)) {
      const outcomes = await Promise.all(
        tier.map((entry) =>
          entry.active && this.claim(entry, event) ? this.deliverAwaiting(entry, event, parent) : SKIPPED,
        ),
      );
      for (const outcome of outcomes) {
        if (outcome === SKIPPED) continue;
        handled++;
        if (outcome) failed.push(outcome);
      }
    }
    if (pending !== undefined) await Promise.all(pending);
    const result: EmitResult = { event, handled, failed };
    if (this.middleware.length > 0) this.runAfter(event, result);
    return result;
  }

  /**
   * The store every handler's child context copies: the one the emit read, unless middleware ran (it may have
   * changed the context) or the event was held (its emitter's context is gone).
   */
  private handlersParent(store: EventContextStore | null | undefined): EventContextStore | null {
    return store === undefined || this.middleware.length > 0 ? this.parentStore() : store;
  }

  /** Resolves with the handler's final failure (after retries), or undefined when it succeeded. */
  private deliverAwaiting(
    entry: HandlerEntry,
    event: BusEvent,
    parent: EventContextStore | null,
  ): Promise<HandlerFailure | undefined> {
    return new Promise((resolve) => this.attempt(entry, event, 1, resolve, parent));
  }

  private tiersOf(route: Route): readonly (readonly HandlerEntry[])[] {
    if (route.tiers) return route.tiers;
    const tiers: HandlerEntry[][] = [];
    for (const entry of route.handlers) {
      const last = tiers[tiers.length - 1];
      if (last && last[0].priority === entry.priority) last.push(entry);
      else tiers.push([entry]);
    }
    route.tiers = tiers;
    return tiers;
  }

  /** Counts and keeps the event and tells the observers; returns what observers still have to finish. */
  private record(route: Route, event: BusEvent, size: number): Promise<void>[] | undefined {
    this.emittedTotal++;
    route.counter.emitted++;
    this.recent?.push(event, size);
    if (this.eventObservers.length === 0) return undefined;
    let pending: Promise<void>[] | undefined;
    for (const observer of this.eventObservers) {
      try {
        const result = observer.onEvent!(event);
        if (result) (pending ??= []).push(result);
      } catch (error) {
        this.logger.error(
          `An internal observer failed on "${event.type}": ${messageOf(error)}`,
          ...correlationLog(event.correlationId),
        );
      }
    }
    return pending;
  }

  /** After `emit()`: keeps observer work visible to `drain()` and never lets it reject unhandled. */
  private trackObserverWork(event: BusEvent, pending: Promise<void>[]): void {
    for (const work of pending) {
      this.inFlight++;
      work.then(
        () => this.settleOne(),
        (error: unknown) => {
          this.logger.error(
            `Recording "${event.type}" (${event.id}) failed: ${messageOf(error)}`,
            ...correlationLog(event.correlationId),
          );
          this.settleOne();
        },
      );
    }
  }

  private notifySettled(
    entry: Pick<HandlerEntry, 'name'>,
    event: BusEvent,
    outcome: HandlerOutcome,
    durationMs?: number,
  ): void {
    for (const observer of this.settledObservers) {
      try {
        observer.onHandlerSettled!(event, entry.name, outcome, durationMs);
      } catch (error) {
        this.logger.error(`An internal observer failed: ${messageOf(error)}`);
      }
    }
  }

  /** Applies the handler's filter and `once`; true when the handler should receive the event. */
  private claim(entry: HandlerEntry, event: BusEvent): boolean {
    if (entry.filter !== undefined) {
      let pass: boolean;
      try {
        pass = entry.filter(event);
      } catch (error) {
        this.logger.error(
          `The filter of handler "${entry.name}" threw on "${event.type}": ${messageOf(error)}`,
          ...correlationLog(event.correlationId),
        );
        return false;
      }
      if (!pass) return false;
    }
    if (entry.once) this.registry.remove(entry);
    return true;
  }

  /** One try of one handler; on failure, schedules the next try or gives up per the retry policy. */
  private attempt(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    settled: Settled | undefined,
    parent: EventContextStore | null = this.parentStore(),
  ): void {
    const counters = entry.counters;
    counters.calls++;
    const timed = (counters.calls & SYNC_TIMING_SAMPLE_MASK) === 0;
    const started = timed ? performance.now() : 0;
    let result: unknown;
    let thenable: boolean;
    try {
      result = entry.isolated ? this.runIsolated(entry, event, parent) : entry.handler(event);
      // Inside the try: a returned object's `then` getter is the handler's code and may throw too.
      thenable =
        result !== null &&
        typeof result === 'object' &&
        typeof (result as PromiseLike<unknown>).then === 'function';
    } catch (error) {
      this.failed(entry, event, attempt, error, settled);
      return;
    }
    if (thenable) {
      this.track(entry, event, attempt, result as PromiseLike<unknown>, settled);
      return;
    }
    let durationMs: number | undefined;
    if (timed) counters.recordDuration((durationMs = performance.now() - started));
    this.handledTotal++;
    if (this.settledObservers.length > 0) this.notifySettled(entry, event, 'success', durationMs);
    settled?.(undefined);
  }

  /** The active context store the handlers' child contexts copy, or null outside any context. */
  private parentStore(): EventContextStore | null {
    return (this.cls.get() as EventContextStore | undefined) ?? null;
  }

  /** Runs the handler in a child context: the event's ids for nested emits, and writes that stay local. */
  private runIsolated(entry: HandlerEntry, event: BusEvent, parent: EventContextStore | null): unknown {
    const store: EventContextStore = parent === null ? {} : copyStore(parent);
    store[CORRELATION_ID_KEY] = event.correlationId;
    store[CAUSATION_ID_KEY] = event.id;
    store[ACTOR_ID_KEY] = event.actorId;
    this.isolatedEntry = entry;
    this.isolatedEvent = event;
    return this.cls.runWith(store as never, this.invokeIsolated);
  }

  /**
   * The callback of `runIsolated()`, made once instead of a closure per call (about a fifth off a 10-handler
   * fan-out). It takes its handler and event from fields set right before the synchronous `runWith()` and reads
   * them first thing, before the handler can emit (and so set them again). They are left set (clearing them
   * bought nothing measurable): the bus holds on to the last delivered event until the next delivery.
   */
  private readonly invokeIsolated = (): unknown => {
    const entry = this.isolatedEntry!;
    return entry.handler(this.isolatedEvent!);
  };

  private track(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    result: PromiseLike<unknown>,
    settled: Settled | undefined,
  ): void {
    this.inFlight++;
    const started = performance.now();
    // A foreign thenable's then() may throw synchronously; Promise.resolve() turns that into a rejection (and
    // returns a native promise as is).
    const promise = Promise.resolve(result);
    const running =
      entry.timeoutMs === undefined ? promise : withTimeout(promise, entry.timeoutMs, entry.name);
    running.then(
      () => {
        const durationMs = performance.now() - started;
        entry.counters.recordDuration(durationMs);
        this.handledTotal++;
        if (this.settledObservers.length > 0) this.notifySettled(entry, event, 'success', durationMs);
        settled?.(undefined);
        this.settleOne();
      },
      (error: unknown) => {
        const durationMs = performance.now() - started;
        entry.counters.recordDuration(durationMs);
        this.failed(entry, event, attempt, error, settled, durationMs);
        this.settleOne();
      },
    );
  }

  private failed(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    thrown: unknown,
    settled: Settled | undefined,
    durationMs?: number,
  ): void {
    this.failedTotal++;
    entry.counters.failures++;
    if (this.settledObservers.length > 0) this.notifySettled(entry, event, 'failure', durationMs);
    if (attempt < entry.retry.attempts) {
      this.scheduleRetry(entry, event, attempt, settled, thrown);
      return;
    }
    const error = asError(thrown);
    this.deadLetter(entry, event, error, attempt, entry);
    settled?.({ handler: entry.name, error, attempts: attempt });
  }

  private scheduleRetry(
    entry: HandlerEntry,
    event: BusEvent,
    failedAttempt: number,
    settled: Settled | undefined,
    thrown: unknown,
  ): void {
    this.retriedTotal++;
    entry.counters.retries++;
    this.inFlight++;
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        this.attempt(entry, event, failedAttempt + 1, settled);
        this.settleOne();
      },
      retryDelay(entry.retry, failedAttempt),
    );
    this.retryTimers.set(timer, () =>
      settled?.({ handler: entry.name, error: asError(thrown), attempts: failedAttempt }),
    );
  }

  private deadLetter(
    entry: Pick<HandlerEntry, 'name'>,
    event: BusEvent,
    error: Error,
    attempts: number,
    replayTo?: HandlerEntry,
  ): void {
    const letter: DeadLetter = {
      id: this.ids.next(),
      event,
      handler: entry.name,
      error: { name: error.name, message: error.message, stack: error.stack },
      attempts,
      failedAt: this.ids.timestamp(),
    };
    this.deadLetterQueue.add(letter);
    if (replayTo) this.replayTargets.set(letter, replayTo);
    for (const observer of this.deadLetterObservers) {
      try {
        observer.onDeadLetter!(letter);
      } catch (error) {
        this.logger.error(`An internal observer failed: ${messageOf(error)}`);
      }
    }
    this.logger.error(
      `Handler "${entry.name}" failed on "${event.type}" (${event.id}) after ${attempts} attempt(s): ${error.message}`,
      ...correlationLog(event.correlationId),
    );
    if (event.type === HandlerFailed.type) return;
    this.emit(
      HandlerFailed,
      {
        deadLetterId: letter.id,
        eventId: event.id,
        eventType: event.type,
        handler: entry.name,
        error: error.message,
        attempts,
      },
      {
        correlationId: event.correlationId,
        causationId: event.id,
        actorId: event.actorId,
        severity: 'error',
      },
    );
  }

  private settleOne(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.releaseDrainWaiters();
  }

  private releaseDrainWaiters(): void {
    this.inFlight = Math.max(0, this.inFlight);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const done of waiters) done();
  }

  /** Awaiting a held emitAsync() in onModuleInit would block startup forever: say so once, as it happens. */
  private warnHeldEmitAsync(type: string): void {
    if (this.warnedHeldEmitAsync) return;
    this.warnedHeldEmitAsync = true;
    this.logger.warn(
      `emitAsync("${type}") was called before startup completed: the event is held and its promise settles only ` +
        `once listeners are discovered (onApplicationBootstrap). Do not await it in a constructor or onModuleInit: ` +
        `startup would wait forever. Use emit() there, or emit from onApplicationBootstrap.`,
    );
  }

  private hold(item: HeldEvent): void {
    if (this.held.length >= this.options.maxHeldEvents) {
      this.droppedBeforeReady++;
      this.logger.error(
        `Event "${item.event.type}" (${item.event.id}) was emitted before startup completed and the hold queue ` +
          `is full (${this.options.maxHeldEvents}); it was not delivered. ${this.droppedBeforeReady} dropped so far. ` +
          `Raise maxHeldEvents or emit after bootstrap.`,
        ...correlationLog(item.event.correlationId),
      );
      item.settle?.({ event: item.event, handled: 0, failed: [] });
      return;
    }
    this.held.push(item);
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
        this.logger.error(
          `An after() middleware threw on "${event.type}": ${messageOf(error)}`,
          ...correlationLog(event.correlationId),
        );
      }
    }
  }
}

const SKIPPED = Symbol('skipped');

/** Caches a route, starting the cache over when it is full (unbounded types must not grow it forever). */
function remember<K>(cache: Map<K, Route>, key: K, route: Route): void {
  if (cache.size >= MAX_ROUTES) cache.clear();
  cache.set(key, route);
}

function withTimeout(promise: PromiseLike<unknown>, timeoutMs: number, name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new EventTimeoutError(`Handler "${name}" did not finish within ${timeoutMs} ms.`, timeoutMs)),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * A shallow copy of a context store, the same as `{ ...parent }`. Object spread of a nestjs-cls store falls off
 * V8's fast clone path (about 2 us instead of 70 ns); Object.assign does not. Assign would run the
 * `__proto__` setter for an own `__proto__` key, so that rare store still goes through spread.
 */
function copyStore(parent: EventContextStore): EventContextStore {
  return Object.hasOwn(parent, '__proto__') ? { ...parent } : Object.assign({}, parent);
}

function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const error = new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`);
  error.name = 'NonErrorThrown';
  return error;
}

function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : safeString(thrown);
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
