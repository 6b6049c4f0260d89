import type { Counter, Gauge, Histogram } from 'prom-client';
import type { DeadLetter, EventBusStats } from '../bus/bus.interfaces';
import type { BusObserver } from '../bus/bus-observer';
import type { EventBusService } from '../bus/event-bus.service';
import { errorMessage } from '../common/error-message';
import { EventsConfigError } from '../errors/events-config.error';
import type { AuditRecordFlag, AuditTelemetry } from '../audit/audit.telemetry';
import type { OutcomeTallies } from '../bus/handler-outcomes';
import { DurationHistogram } from './duration-histogram';
import type { MetricsRegistry, ResolvedMetricsOptions } from './metrics.options';
import type { PromClient } from './prom-client.loader';
import { transportMetrics } from './transport-metrics';
import { outboxMetrics } from './outbox-metrics';
import type { EventOutbox } from '../bus/ports/event-outbox.port';
import { OTHER_TYPE_LABEL, TypeLabels } from './type-labels';

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string> | DurationHistogram;

/** Audit write latency, per write (a batch or one record), from 1 ms to 10 s. */
const AUDIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Feeds the bus's figures to prom-client. Nothing on the hot path: the bus counts handler outcomes per type label
 * and handler itself (no call per handler attempt), and nothing touches prom-client until the registry is
 * scraped, when the counters are set from those tallies and from the figures `stats()` reports.
 */
export class BusMetricsCollector implements BusObserver, AuditTelemetry {
  readonly registry: MetricsRegistry;
  private readonly labels: TypeLabels;
  /** Handler outcomes by (type label, handler), counted by the bus. */
  private readonly tallies: OutcomeTallies;
  private readonly metrics: AnyMetric[] = [];
  private audit: AuditMetrics | undefined;
  private statsThisTick: EventBusStats | undefined;

  constructor(
    private readonly prom: PromClient,
    private readonly bus: EventBusService,
    private readonly options: ResolvedMetricsOptions,
    warn: (message: string) => void,
    outbox?: Pick<EventOutbox, 'stats'>,
  ) {
    this.registry = options.registry ?? new prom.Registry();
    this.labels = new TypeLabels(options.maxTypes, (type) => bus.definitionOf(type) !== undefined, warn);
    try {
      this.createBusMetrics();
      if (bus.transportName !== undefined) {
        const read = () => bus.transportStats();
        for (const metric of transportMetrics(prom, (base) => this.name(base), read)) this.add(metric);
      }
      if (outbox !== undefined) {
        const read = () => outbox.stats();
        for (const metric of outboxMetrics(prom, (base) => this.name(base), read)) this.add(metric);
      }
      this.add(
        new DurationHistogram(
          this.name('events_handler_duration_seconds'),
          'Duration of timed handler attempts (every async attempt, a sample of synchronous ones)',
          options.buckets,
          () => this.tallies.all(),
        ),
      );
    } catch (error) {
      this.dispose();
      throw error;
    }
    this.tallies = bus.countHandlerOutcomes({
      typeLabel: (type) => this.labels.labelFor(type),
      otherLabel: OTHER_TYPE_LABEL,
      buckets: options.buckets,
    });
  }

  // ------------------------------------------------------------------------------------ BusObserver

  onDeadLetter(letter: DeadLetter): void {
    this.tallies.deadLettered(letter.event.type, letter.handler);
  }

  // ------------------------------------------------------------------------------------------ audit hooks

  /** The audit trail is on: registers its metrics; `buffered` is read on each scrape. */
  auditStarted(buffered: () => number): void {
    this.audit ??= this.createAuditMetrics(buffered);
  }

  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void {
    if (this.audit === undefined) return;
    this.audit.records.inc({ outcome }, records);
    this.audit.duration.observe(durationMs / 1000);
  }

  auditRecordsFlagged(records: number, kind: AuditRecordFlag): void {
    this.audit?.flagged.inc({ kind }, records);
  }

  /** Removes every metric this collector registered (so the registry can be reused by a later app). */
  dispose(): void {
    // Undefined when a metric could not be registered (the constructor disposes before counting starts).
    (this.tallies as OutcomeTallies | undefined)?.stop();
    for (const metric of this.metrics) {
      this.registry.removeSingleMetric((metric as unknown as { name: string }).name);
    }
    this.metrics.length = 0;
  }

  // -------------------------------------------------------------------------------------------- internals

  /** `stats()` once per scrape: every collect callback of one scrape runs in the same tick. */
  private stats(): EventBusStats {
    if (this.statsThisTick === undefined) {
      this.statsThisTick = this.bus.stats();
      queueMicrotask(() => (this.statsThisTick = undefined));
    }
    return this.statsThisTick;
  }

  private createBusMetrics(): void {
    const prom = this.prom;
    // Counters are rebuilt from absolute totals on every scrape, so they always equal what stats() reports.
    const emitted: Counter<'type'> = this.add(
      new prom.Counter({
        name: this.name('events_emitted_total'),
        help: 'Events recorded by the bus, by type',
        labelNames: ['type'] as const,
        registers: [],
        collect: () => {
          const totals = new Map<string, number>();
          for (const [type, count] of Object.entries(this.stats().byType)) {
            const label = this.labels.labelFor(type);
            totals.set(label, (totals.get(label) ?? 0) + count);
          }
          emitted.reset();
          for (const [type, count] of totals) emitted.inc({ type }, count);
        },
      }),
    );
    const handled: Counter<'type' | 'handler' | 'outcome'> = this.add(
      new prom.Counter({
        name: this.name('events_handled_total'),
        help: 'Handler attempts that ended, by event type, handler and outcome (success or failure)',
        labelNames: ['type', 'handler', 'outcome'] as const,
        registers: [],
        collect: () => {
          handled.reset();
          for (const cell of this.tallies.all()) {
            handled.inc({ ...cell.labels, outcome: 'success' }, cell.success);
            handled.inc({ ...cell.labels, outcome: 'failure' }, cell.failure);
          }
        },
      }),
    );
    const deadLetters: Counter<'type' | 'handler'> = this.add(
      new prom.Counter({
        name: this.name('events_dead_letters_total'),
        help: 'Handler failures that went to the dead-letter queue after their last attempt',
        labelNames: ['type', 'handler'] as const,
        registers: [],
        collect: () => {
          deadLetters.reset();
          for (const cell of this.tallies.all()) {
            if (cell.deadLetters > 0) deadLetters.inc(cell.labels, cell.deadLetters);
          }
        },
      }),
    );
    const inFlight: Gauge = this.add(
      new prom.Gauge({
        name: this.name('events_in_flight'),
        help: 'Handlers running or waiting to retry',
        registers: [],
        collect: () => inFlight.set(this.bus.pending),
      }),
    );
    const historySize: Gauge = this.add(
      new prom.Gauge({
        name: this.name('events_history_size'),
        help: 'Events kept in the in-memory history',
        registers: [],
        collect: () => historySize.set(this.stats().history.size),
      }),
    );
  }

  private createAuditMetrics(buffered: () => number): AuditMetrics {
    const bufferedGauge: Gauge = this.add(
      new this.prom.Gauge({
        name: this.name('events_audit_buffered_records'),
        help: 'Audit records waiting to be written to the audit store',
        registers: [],
        collect: () => bufferedGauge.set(buffered()),
      }),
    );
    const records: Counter<'outcome'> = this.add(
      new this.prom.Counter({
        name: this.name('events_audit_records_total'),
        help: 'Audit records written to the audit store (success) or whose write failed (failure)',
        labelNames: ['outcome'] as const,
        registers: [],
      }),
    );
    // Both outcomes exist from the start, so rate() and error ratios work before the first failure.
    records.inc({ outcome: 'success' }, 0);
    records.inc({ outcome: 'failure' }, 0);
    const flagged: Counter<'kind'> = this.add(
      new this.prom.Counter({
        name: this.name('events_audit_records_flagged_total'),
        help:
          'Audit records not kept exactly as emitted: sanitized (envelope text made writable), refused (the store ' +
          'refused them; a placeholder was written), withdrawn (sync: the awaited emitter was told the write failed)',
        labelNames: ['kind'] as const,
        registers: [],
      }),
    );
    for (const kind of ['sanitized', 'refused', 'withdrawn'] as const) flagged.inc({ kind }, 0);
    return {
      records,
      flagged,
      duration: this.add(
        new this.prom.Histogram({
          name: this.name('events_audit_write_duration_seconds'),
          help: 'Duration of each write to the audit store (one batch, or one record when durability is sync)',
          buckets: AUDIT_BUCKETS,
          registers: [],
        }),
      ),
    };
  }

  private add<M extends AnyMetric>(metric: M): M {
    const name = (metric as unknown as { name: string }).name;
    try {
      this.registry.registerMetric(metric as never);
    } catch (error) {
      throw new EventsConfigError(
        'metrics.registry',
        `a registry without a metric named "${name}" (another EventsModule in this process may use the same ` +
          `registry: give each a different metrics.prefix) [${errorMessage(error)}]`,
        this.registry,
      );
    }
    this.metrics.push(metric);
    return metric;
  }

  private name(base: string): string {
    return this.options.prefix + base;
  }
}

/** The audit trail's metrics, registered once the trail is on. */
interface AuditMetrics {
  records: Counter<'outcome'>;
  flagged: Counter<'kind'>;
  duration: Histogram<string>;
}
