import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AUDIT_OPTIONS, type ResolvedAuditOptions } from '../audit/audit.options';
import { BRIDGES_OPTIONS, type ResolvedBridges } from '../bridges/bridges.options';
import { EventBusService } from '../bus/event-bus.service';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { SystemStartup } from '../bus/system-events';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from '../correlation/correlation.options';
import { EVENT_LOG_OPTIONS, type ResolvedEventLogOptions } from '../event-log/event-log.options';
import { METRICS_OPTIONS, type ResolvedMetricsOptions } from '../metrics/metrics.options';
import { OUTBOX_OPTIONS, type ResolvedOutboxOptions } from '../outbox/outbox-module.options';

/** Each feature's resolved options, as the module provides them under their tokens. */
export interface FeatureOptions {
  readonly bus: BusOptions;
  readonly correlation: false | ResolvedCorrelationOptions;
  readonly metrics: false | ResolvedMetricsOptions;
  readonly audit: false | ResolvedAuditOptions;
  readonly eventLog: false | ResolvedEventLogOptions;
  readonly bridges: ResolvedBridges;
  readonly outbox: false | ResolvedOutboxOptions;
}

/**
 * Internal: logs one line once the bus is ready, saying what is on. It watches for `system.startup` as an
 * observer, not a listener, so the listener count it reports is the application's own.
 */
@Injectable()
export class StartupSummary implements OnModuleInit {
  private readonly logger = new Logger('EventBus');
  private readonly features: FeatureOptions;

  constructor(
    private readonly bus: EventBusService,
    @Inject(BUS_OPTIONS) busOptions: BusOptions,
    @Inject(CORRELATION_OPTIONS) correlation: false | ResolvedCorrelationOptions,
    @Inject(METRICS_OPTIONS) metrics: false | ResolvedMetricsOptions,
    @Inject(AUDIT_OPTIONS) audit: false | ResolvedAuditOptions,
    @Inject(EVENT_LOG_OPTIONS) eventLog: false | ResolvedEventLogOptions,
    @Inject(BRIDGES_OPTIONS) bridges: ResolvedBridges,
    @Inject(OUTBOX_OPTIONS) outbox: false | ResolvedOutboxOptions,
  ) {
    this.features = { bus: busOptions, correlation, metrics, audit, eventLog, bridges, outbox };
  }

  onModuleInit(): void {
    const remove = this.bus.addObserver({
      onEvent: (event) => {
        if (event.type !== SystemStartup.type) return;
        remove();
        const { listeners } = event.data as { listeners: number };
        this.logger.log(startupLine(listeners, this.features));
      },
    });
  }
}

/**
 * `Ready: source "orders-api", 4 listener(s); history on (1000 events), correlation on, metrics on (/metrics),
 * audit on (SqliteAuditStore, batched), event log off, bridges off, outbox on (PostgresOutboxStore, relay on)`
 */
export function startupLine(listeners: number, features: FeatureOptions): string {
  const { bus, correlation, metrics, audit, eventLog, bridges, outbox } = features;
  const parts = [
    `history ${bus.history ? `on (${bus.history.maxEvents} events)` : 'off'}`,
    `correlation ${correlation ? 'on' : 'off'}`,
    `metrics ${metrics ? `on (${metrics.endpoint || 'no endpoint'})` : 'off'}`,
    `audit ${audit ? `on (${storeName(audit)}, ${audit.durability})` : 'off'}`,
    `event log ${eventLog ? 'on' : 'off'}`,
    `bridges ${bridgeNames(bridges)}`,
    `outbox ${outbox ? `on (${outbox.store.constructor.name}, relay ${outbox.relay ? 'on' : 'off'})` : 'off'}`,
  ];
  return `Ready: source "${bus.source}", ${listeners} listener(s); ${parts.join(', ')}`;
}

function storeName(audit: ResolvedAuditOptions): string {
  // No store given means the default: SQLite at ./data/audit.db, created when the audit service starts.
  const name = audit.store?.constructor.name;
  return name === undefined || name === '' ? 'SqliteAuditStore' : name;
}

function bridgeNames(bridges: ResolvedBridges): string {
  const on = [bridges.eventEmitter && 'event-emitter', bridges.cqrs && 'cqrs'].filter(Boolean);
  return on.length === 0 ? 'off' : `on (${on.join(', ')})`;
}
