import type { AuditOptions } from '../audit/audit-options';
import type { BridgesOptions } from '../bridges/bridge.options';
import type { RetryPolicy } from '../bus/bus.interfaces';
import type { CorrelationOptions } from '../correlation/correlation.options';
import type { EventDefinition } from '../event/event-definition';
import type { EventLogOptions } from '../event-log/event-log.options';
import type { MetricsOptions } from '../metrics/metrics.options';

/** History kept in memory for `history()` queries. */
export interface HistoryOptions {
  /** Default 1000. */
  maxEvents?: number;
  /** Approximate JSON bytes; default 10 MiB. */
  maxBytes?: number;
}

/** Options of `EventsModule.forRoot()` / `forRootAsync()`. */
export interface EventsModuleOptions {
  /** Stamped on every event as `source`; default `app`. */
  source?: string;
  /** Reject event types (emitted or listened to) that no definition declares. */
  strict?: boolean;
  /** Event definitions known up front (definitions used in `emit()` or `@OnEvent()` are learned as they come). */
  definitions?: readonly EventDefinition<unknown, unknown>[];
  /** `false` turns history off. */
  history?: false | HistoryOptions;
  deadLetters?: { maxEntries?: number };
  /** Default policy for listeners without their own; default `{ attempts: 1 }` (no retry). */
  retry?: RetryPolicy;
  /** How long `app.close()` waits for in-flight handlers; default 10 s. */
  shutdownTimeoutMs?: number;
  /** How many events emitted before startup completes are held for delivery; default 10,000. */
  maxHeldEvents?: number;
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
  /** Record events of `@nestjs/event-emitter` / `@nestjs/cqrs` on the bus too. See docs/migration-*.md. */
  bridges?: BridgesOptions;
}
