import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { EVENT_OUTBOX, type EventOutbox } from '../bus/ports/event-outbox.port';
import { EventBusService } from '../bus/event-bus.service';
import type { AuditRecordFlag, AuditTelemetry } from '../audit/audit.telemetry';
import { BusMetricsCollector } from './bus-metrics.collector';
import { MetricsDisabledError } from '../errors/metrics-disabled.error';
import { METRICS_OPTIONS, type MetricsRegistry, type ResolvedMetricsOptions } from './metrics.options';
import { loadPromClient } from './prom-client.loader';

/**
 * The bus's Prometheus metrics (`events_emitted_total`, `events_handled_total`, `events_handler_duration_seconds`,
 * `events_dead_letters_total`, `events_in_flight`, `events_history_size`, audit write figures when the audit
 * trail is on, transport figures with a remote transport, and `events_outbox_*` with the outbox). Injectable
 * everywhere; `enabled` is false unless the `metrics` module option is given.
 *
 * @example
 * // serve them yourself instead of `metrics: { endpoint: '/metrics' }`
 * \@Get('metrics') async metrics(@Res() res: Response) {
 *   res.type(this.metrics.contentType).send(await this.metrics.metrics());
 * }
 */
@Injectable()
export class EventMetrics implements AuditTelemetry, OnApplicationShutdown {
  private readonly collector: BusMetricsCollector | undefined;
  private readonly removeObserver: (() => void) | undefined;

  constructor(
    bus: EventBusService,
    @Inject(METRICS_OPTIONS) options: false | ResolvedMetricsOptions,
    @Optional() @Inject(EVENT_OUTBOX) outbox?: EventOutbox | null,
  ) {
    if (!options) return;
    const logger = new Logger('EventMetrics');
    const warn = (message: string) => logger.warn(message);
    this.collector = new BusMetricsCollector(loadPromClient(), bus, options, warn, outbox ?? undefined);
    this.removeObserver = bus.addObserver(this.collector);
  }

  /** True when the `metrics` module option turned metrics on. */
  get enabled(): boolean {
    return this.collector !== undefined;
  }

  /**
   * The prom-client `Registry` holding the metrics: the one given as `metrics.registry`, else one of this
   * module's own. Throws `MetricsDisabledError` when metrics are off.
   */
  get registry(): MetricsRegistry {
    if (!this.collector) throw new MetricsDisabledError();
    return this.collector.registry;
  }

  /** The content type to serve `metrics()` with. Throws `MetricsDisabledError` when metrics are off. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of the registry in the Prometheus text format. Rejects with `MetricsDisabledError` when off. */
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** @internal The audit trail's port (see `AUDIT_TELEMETRY`): adds the audit metrics once the trail is on. */
  auditStarted(buffered: () => number): void {
    this.collector?.auditStarted(buffered);
  }

  /** @internal The audit trail's port (see `AUDIT_TELEMETRY`): counts one write to the audit store. */
  auditWritten(records: number, durationMs: number, outcome: 'success' | 'failure'): void {
    this.collector?.auditWritten(records, durationMs, outcome);
  }

  /** @internal The audit trail's port (see `AUDIT_TELEMETRY`): counts records not kept exactly as they were. */
  auditRecordsFlagged(records: number, kind: AuditRecordFlag): void {
    this.collector?.auditRecordsFlagged(records, kind);
  }

  /** Stops counting and takes the metrics out of the registry, so an app given the same registry can reuse it. */
  onApplicationShutdown(): void {
    this.removeObserver?.();
    this.collector?.dispose();
  }
}
