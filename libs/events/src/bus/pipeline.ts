import type { Logger } from '@nestjs/common';
import type { ClsService } from 'nestjs-cls';
import type { DeadLetter, EventBusStats } from './bus.interfaces';
import type { BusOptions } from './bus.options';
import { Dispatcher } from './dispatcher';
import { EventFactory } from './event-factory';
import { EventHistory } from './event-history';
import { EventPublisher, type PublishLost } from './event-publisher';
import { FailurePolicy } from './failure-policy';
import { HandlerRegistry } from './handler-registry';
import { HandlerRunner, type BusTotals } from './handler-runner';
import { InFlight } from './in-flight';
import { MemoryDeadLetterStore } from './memory-dead-letter.store';
import { ObserverSet } from './observer-set';
import type { BusTelemetry, TelemetryBusInfo } from './ports/bus-telemetry.port';
import type { DeadLetterStore } from './ports/dead-letter-store.port';
import type { EventInbox, OutboxBusSide } from './ports/event-outbox.port';
import type { RetryScheduler } from './ports/retry-scheduler.port';
import { RouteTable } from './route-table';
import { Subscriptions } from './subscriptions';
import { TimerRetryScheduler } from './timer-retry.scheduler';
import { TransportLink } from './transport-link';

/** The ports a bus is given; the in-process implementation stands in for each one left out. */
export interface BusPorts {
  readonly retryScheduler?: RetryScheduler;
  readonly deadLetterStore?: DeadLetterStore;
  readonly telemetry?: BusTelemetry;
  /** The inbox `idempotent` listeners go through (absent: they are refused). */
  readonly inbox?: EventInbox;
}

/** Every stage of one bus, wired to call one way. */
export interface Pipeline {
  readonly registry: HandlerRegistry;
  readonly routes: RouteTable;
  readonly subscriptions: Subscriptions;
  readonly factory: EventFactory;
  readonly dispatcher: Dispatcher;
  readonly runner: HandlerRunner;
  readonly failures: FailurePolicy;
  readonly observers: ObserverSet;
  readonly inFlight: InFlight;
  readonly totals: BusTotals;
  readonly history: EventHistory | undefined;
  readonly deadLetters: DeadLetterStore;
  readonly retryScheduler: RetryScheduler;
  /** The remote transport's link, when the bus has one. */
  readonly transport: TransportLink | undefined;
  readonly publisher: EventPublisher | undefined;
  /** The tracing hooks as this bus uses them, when configured. */
  readonly telemetry: BusTelemetry | undefined;
}

/** What the stages announce to the application through the bus (it emits the system events). */
export interface PipelineAnnouncements {
  /** A new dead letter: `event.handler.failed`. */
  readonly deadLetter: (letter: DeadLetter) => void;
  /** A distributed event the transport could not take: `event.publish.failed`. */
  readonly publishLost: PublishLost;
}

/**
 * Builds the stages of a bus: event factory → dispatcher → handler runner → failure policy. Later stages get
 * callbacks (`announce` emits `event.handler.failed`), never the bus itself.
 */
export function buildPipeline(
  options: BusOptions,
  cls: ClsService,
  ports: BusPorts,
  logger: Logger,
  announce: PipelineAnnouncements,
): Pipeline {
  const registry = new HandlerRegistry();
  const { transport: remote } = options;
  const routes = new RouteTable(registry, options.strict, logger, remote !== undefined, options.distributed);
  const factory = new EventFactory(options.source, options.redaction, options.maxCausationDepth);
  const observers = new ObserverSet(logger);
  const inFlight = new InFlight();
  const totals: BusTotals = { emitted: 0, handled: 0, failed: 0, retried: 0 };
  const { history: historyOptions } = options;
  const history = historyOptions
    ? new EventHistory(historyOptions.maxEvents, historyOptions.maxBytes)
    : undefined;
  const { maxEntries, maxBytes } = options.deadLetters;
  const deadLetters =
    ports.deadLetterStore ?? remote?.deadLetters ?? new MemoryDeadLetterStore(maxEntries, maxBytes);
  const retryScheduler = ports.retryScheduler ?? new TimerRetryScheduler();
  const telemetry = ports.telemetry?.forBus?.(telemetryInfo(options)) ?? ports.telemetry;
  const runner = new HandlerRunner(cls, observers, inFlight, totals, telemetry);
  const failures = new FailurePolicy({
    scheduler: retryScheduler,
    deadLetters,
    observers,
    inFlight,
    totals,
    logger,
    telemetry,
    stamp: () => factory.stamp(),
    retry: (store, entry, event, attempt, settle) => runner.attemptIn(store, entry, event, attempt, settle),
    announce: announce.deadLetter,
    describe: (thrown, event) => factory.describeFailure(thrown, event),
  });
  runner.onFailure = failures;
  const publisher = remote && new EventPublisher(remote, inFlight, announce.publishLost, telemetry);
  const dispatcher = new Dispatcher({
    cls,
    routes,
    registry,
    runner,
    observers,
    inFlight,
    totals,
    history,
    historyKeepsDebug: historyOptions !== false && historyOptions.debug,
    logger,
    publisher,
    telemetry,
  });
  const transport =
    remote &&
    publisher &&
    new TransportLink({
      transport: remote,
      publisher,
      routes,
      dispatcher,
      failures,
      totals,
      inFlight,
      logger,
      group: options.source,
      telemetry,
    });
  const subscriptions = new Subscriptions(registry, routes, options.retry, ports.inbox);
  return {
    registry,
    routes,
    subscriptions,
    factory,
    dispatcher,
    runner,
    failures,
    observers,
    inFlight,
    totals,
    history,
    deadLetters,
    retryScheduler,
    transport,
    publisher,
    telemetry,
  };
}

/** What the bus tells its telemetry about itself. */
function telemetryInfo(options: BusOptions): TelemetryBusInfo {
  const { transport } = options;
  if (transport === undefined) return { service: options.source };
  return {
    service: options.source,
    transport: { name: transport.name, system: transport.messagingSystem },
  };
}

/** The bus's side of an outbox: committed events come back in through the dispatcher's entry for them. */
export function outboxSide(stages: Pipeline): OutboxBusSide {
  const { dispatcher, telemetry } = stages;
  return {
    deliver: (event, size, trace) => dispatcher.deliverCommitted(event, size, trace),
    traceOf: (event) =>
      telemetry?.inject !== undefined && telemetry.active() ? telemetry.inject(event) : undefined,
  };
}

/** The figures `stats()` reports, from the stages and the bus's own state. */
export function statsOf(
  stages: Pipeline,
  state: Pick<EventBusStats, 'enabled' | 'ready'>,
  hold: { readonly size: number; readonly dropped: number },
): EventBusStats {
  const { totals, deadLetters, inFlight, registry, history, routes, subscriptions } = stages;
  return {
    ...state,
    ...totals,
    deadLetters: deadLetters.total,
    inFlight: inFlight.size,
    held: hold.size,
    droppedBeforeReady: hold.dropped,
    listeners: registry.size,
    history: { size: history?.size ?? 0, bytes: history?.bytes ?? 0, evicted: history?.evicted ?? 0 },
    byType: routes.emittedByType(),
    handlers: subscriptions.handlerStats(),
  };
}
