import { Inject, Injectable, Optional } from '@nestjs/common';
import { AUDIT_STORE, type AuditStore } from '../audit/audit.interfaces';
import { AuditWriteTracker } from '../audit/audit-write.tracker';
import { AuditService } from '../audit/audit.service';
import { EventBusService } from '../bus/event-bus.service';
import { EVENT_OUTBOX, type EventOutbox } from '../bus/ports/event-outbox.port';
import { errorMessage } from '../common/error-message';
import { withTimeout } from '../common/with-timeout';
import {
  resolveAuditHealthOptions,
  resolveBusHealthOptions,
  resolveOutboxHealthOptions,
  resolveTransportHealthOptions,
  type AuditHealthOptions,
  type BusHealthOptions,
  type OutboxHealthOptions,
  type TransportHealthOptions,
} from './events-health.options';

/** How an indicator ended: `up`, or `down` with the reason in `message`. Same shape as a terminus result. */
export type EventsHealthStatus = 'up' | 'down';

/**
 * One indicator's result, keyed by the name given to the check: the shape `@nestjs/terminus`'s
 * `HealthCheckService.check()` expects from an indicator function.
 */
export type EventsHealthResult<Key extends string = string> = Record<Key, IndicatorDetails>;

/** What one indicator reports: its status, why when down, and its figures. */
export type IndicatorDetails = { status: EventsHealthStatus; message?: string } & Record<string, unknown>;

/**
 * Health indicators for `@nestjs/terminus` (which stays optional: nothing here imports it). Each method returns
 * a terminus indicator result, so it plugs straight into `HealthCheckService.check()`.
 *
 * @example
 * \@Get('health') \@HealthCheck()
 * check() {
 *   return this.health.check([() => this.events.checkBus('events', { maxInFlight: 500 })]);
 * }
 */
@Injectable()
export class EventsHealthIndicator {
  constructor(
    private readonly bus: EventBusService,
    private readonly writes: AuditWriteTracker,
    @Optional() private readonly audit?: AuditService,
    @Optional() @Inject(AUDIT_STORE) private readonly store?: AuditStore | null,
    @Optional() @Inject(EVENT_OUTBOX) private readonly outbox?: EventOutbox | null,
  ) {}

  /**
   * The bus: down when the in-flight backlog passes `maxInFlight`, or when dead letters grew by more than
   * `maxNewDeadLetters` within the last `windowMs` (dead letters still in the queue whose last failure falls in
   * the window: replayed ones no longer count). A limit that is not a number >= 0 throws `EventsConfigError`.
   */
  checkBus<Key extends string = 'events'>(
    key: Key = 'events' as Key,
    options: BusHealthOptions = {},
  ): EventsHealthResult<Key> {
    const { maxInFlight, maxNewDeadLetters, windowMs } = resolveBusHealthOptions(options);
    const stats = this.bus.stats();
    const newDeadLetters = this.deadLettersSince(Date.now() - windowMs);
    const details = {
      ready: stats.ready,
      enabled: stats.enabled,
      inFlight: stats.inFlight,
      maxInFlight,
      deadLetters: stats.deadLetters,
      newDeadLetters,
      maxNewDeadLetters,
      windowMs,
    };
    const problems: string[] = [];
    if (stats.inFlight > maxInFlight)
      problems.push(`${stats.inFlight} handlers in flight (more than ${maxInFlight})`);
    if (newDeadLetters > maxNewDeadLetters) {
      problems.push(`${newDeadLetters} new dead letters in ${windowMs} ms (more than ${maxNewDeadLetters})`);
    }
    return keyed(
      key,
      problems.length === 0
        ? { status: 'up', ...details }
        : { status: 'down', message: problems.join('; '), ...details },
    );
  }

  /**
   * The audit store: down when it does not answer a read (its `head()`) within `timeoutMs`, or when writes have
   * kept failing for longer than `maxFailingMs`; also down when the audit trail is off. Reports the age of the
   * last write by this process (`lastWriteAgeMs`, null before the first) and the records still buffered. A wrong
   * limit throws `EventsConfigError`.
   */
  async checkAudit<Key extends string = 'audit'>(
    key: Key = 'audit' as Key,
    options: AuditHealthOptions = {},
  ): Promise<EventsHealthResult<Key>> {
    const { timeoutMs, maxFailingMs } = resolveAuditHealthOptions(options);
    if (!this.store || !this.audit?.enabled) {
      return keyed(key, { status: 'down', message: 'the audit trail is off (EventsModule option "audit")' });
    }
    const now = Date.now();
    const { lastWriteAt, failingSince } = this.writes;
    const stats = this.audit.stats();
    const details = {
      lastWriteAgeMs: lastWriteAt === undefined ? null : now - lastWriteAt,
      failingForMs: failingSince === undefined ? null : now - failingSince,
      buffered: stats.buffered,
      written: stats.written,
      writeFailures: stats.writeFailures,
    };
    const started = performance.now();
    try {
      await withTimeout(this.store.head(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    } catch (error) {
      const reason = errorMessage(error);
      return keyed(key, { status: 'down', message: `the audit store is unreachable: ${reason}`, ...details });
    }
    const pingMs = Math.round(performance.now() - started);
    if (failingSince !== undefined && now - failingSince > maxFailingMs) {
      return keyed(key, {
        status: 'down',
        message: `writes to the audit store have failed for ${now - failingSince} ms: ${stats.lastError ?? 'unknown error'}`,
        pingMs,
        ...details,
      });
    }
    return keyed(key, { status: 'up', pingMs, ...details });
  }

  /**
   * The remote transport (Redis Streams...): down when it reports itself down (its server unreachable, say) or
   * does not answer within `timeoutMs`; its details (lag, in flight, server) come along. Up with
   * `transport: 'in-process'` when events stay in this process.
   */
  async checkTransport<Key extends string = 'transport'>(
    key: Key = 'transport' as Key,
    options: TransportHealthOptions = {},
  ): Promise<EventsHealthResult<Key>> {
    const { timeoutMs } = resolveTransportHealthOptions(options);
    if (this.bus.transportName === undefined) return keyed(key, { status: 'up', transport: 'in-process' });
    try {
      const health = await withTimeout(
        this.bus.transportHealth(),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
      );
      const { up, details, transport } = health!;
      return keyed(
        key,
        up
          ? { status: 'up', transport, ...details }
          : { status: 'down', message: `the ${transport} transport is down`, transport, ...details },
      );
    } catch (error) {
      return keyed(key, {
        status: 'down',
        message: `the ${this.bus.transportName} transport did not report: ${errorMessage(error)}`,
        transport: this.bus.transportName,
      });
    }
  }

  /**
   * The transactional outbox: down when its oldest row has waited longer than the module's
   * `outbox.health.maxAgeMs` (default 60 s: the relay is stopped, failing, or behind), or when its store cannot be
   * read within `timeoutMs`; also down when the outbox is off. Reports the rows waiting, the oldest one's age and
   * the relay's failures.
   */
  async checkOutbox<Key extends string = 'outbox'>(
    key: Key = 'outbox' as Key,
    options: OutboxHealthOptions = {},
  ): Promise<EventsHealthResult<Key>> {
    const { timeoutMs } = resolveOutboxHealthOptions(options);
    if (!this.outbox) {
      return keyed(key, { status: 'down', message: 'the outbox is off (EventsModule option "outbox")' });
    }
    try {
      const health = await withTimeout(
        this.outbox.health(),
        timeoutMs,
        () => new Error(`no answer within ${timeoutMs} ms`),
      );
      const { up, reason, details } = health;
      return keyed(key, up ? { status: 'up', ...details } : { status: 'down', message: reason, ...details });
    } catch (error) {
      return keyed(key, {
        status: 'down',
        message: `the outbox store cannot be read: ${errorMessage(error)}`,
      });
    }
  }

  private deadLettersSince(cutoff: number): number {
    let count = 0;
    for (const letter of this.bus.deadLetters()) if (Date.parse(letter.failedAt) > cutoff) count++;
    return count;
  }
}

function keyed<Key extends string>(key: Key, value: IndicatorDetails): EventsHealthResult<Key> {
  return { [key]: value } as EventsHealthResult<Key>;
}
