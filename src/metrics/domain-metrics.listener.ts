import { Inject, Injectable } from '@nestjs/common';
import { EventPriority, OnEvent, type BusEvent } from 'nestjs-event-bus';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.tokens';

/**
 * Business metrics next to the plugin's bus metrics, in the same registry (served at GET /metrics):
 * `example_domain_events_total{aggregate,action}` and `example_race_time_seconds` from approved races.
 */
@Injectable()
export class DomainMetricsListener {
  private readonly domainEvents: Counter<'aggregate' | 'action'>;
  private readonly approvedRaceSeconds: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.domainEvents = new Counter({
      name: 'example_domain_events_total',
      help: 'Domain events of the example app by aggregate and action.',
      labelNames: ['aggregate', 'action'],
      registers: [registry],
    });
    this.approvedRaceSeconds = new Counter({
      name: 'example_approved_race_seconds_total',
      help: 'Sum of the times of approved races, in seconds.',
      registers: [registry],
    });
  }

  /** Runs last and synchronously: counting must never delay or disturb the domain's own listeners. */
  @OnEvent(['user.**', 'organization.**', 'invite.**', 'tournament.**'], {
    priority: EventPriority.LOW,
    // Counted where the event happened, even for those the worker process reacts to.
    local: true,
    name: 'DomainMetrics.count',
  })
  count(event: BusEvent): void {
    const [aggregate, ...rest] = event.type.split('.');
    this.domainEvents.inc({ aggregate, action: rest.join('.') });
    if (event.type === 'tournament.race.approved') {
      this.approvedRaceSeconds.inc((event.data as { timeMs: number }).timeMs / 1000);
    }
  }
}
