import type { AsyncApiOptions } from '../asyncapi/asyncapi.options';
import type { AuditOptions } from '../audit/audit.options';
import type { BridgesOptions } from '../bridges/bridges.options';
import type { BusModuleOptions } from '../bus/bus.options';
import type { CorrelationOptions } from '../correlation/correlation.options';
import type { EventLogOptions } from '../event-log/event-log.options';
import type { MetricsOptions } from '../metrics/metrics.options';
import type { OutboxOptions } from '../outbox/outbox-module.options';
import type { TraceOptions } from '../trace/trace.options';

/** Options of `EventsModule.forRoot()` / `forRootAsync()`: the bus's own, then one per feature. */
export interface EventsModuleOptions extends BusModuleOptions {
  /** How long `app.close()` waits for in-flight handlers; default 10 s. */
  shutdownTimeoutMs?: number;
  /**
   * Correlation ids for HTTP requests and microservice messages (headers, response header, request events);
   * on by default, `false` turns it off. See docs/correlation.md.
   */
  correlation?: false | CorrelationOptions;
  /** Prometheus metrics (needs `prom-client`); off unless given, `{}` for the defaults. See docs/metrics.md. */
  metrics?: false | MetricsOptions;
  /** One structured log line per event (never payload values); off unless given, `true` for the defaults. */
  eventLog?: boolean | EventLogOptions;
  /** Tamper-evident audit trail; off unless given, `{}` = SQLite at ./data/audit.db. See docs/audit.md. */
  audit?: false | AuditOptions;
  /**
   * The story of each correlation id (`TraceService.trace()`): this process records its events, handler
   * attempts and dead letters; off unless given, `{}` = in this process's memory. See docs/trace.md.
   */
  trace?: false | TraceOptions;
  /** Serve the AsyncAPI 3 document of this service (`GET /events/asyncapi.json`); off unless given. See docs/asyncapi.md. */
  asyncapi?: false | AsyncApiOptions;
  /**
   * The transactional outbox: events emitted inside a `@nestjs-cls/transactional` transaction (adapter wrapped in
   * `transactionalOutbox()`) are written to `store` with it and dispatched once it committed, never after a
   * rollback; `idempotent` listeners record what they handled there. Off unless given. See docs/outbox.md.
   */
  outbox?: false | OutboxOptions;
  /** Record events of `@nestjs/event-emitter` / `@nestjs/cqrs` on the bus too. See docs/migration-*.md. */
  bridges?: BridgesOptions;
  /**
   * Log what listener discovery found at startup: every listener by type and priority (debug), and listeners on
   * exact types no definition declares, often typos (warn). Default false: startup logs one line saying what is on.
   */
  verbose?: boolean;
}
