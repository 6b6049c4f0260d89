import { join } from 'node:path';
import { PostgresAuditStore, SqliteAuditStore, type EventsModuleOptions } from 'nestjs-event-bus';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../config/app.config';
import { APP_EVENT_DEFINITIONS } from './event-catalog';

/**
 * The event bus as the example app runs it: every feature on. The audit trail lives next to the app's data
 * (SQLite file `DATA_DIR/audit.db`, or the same PostgreSQL as the app when `DATABASE_URL` is set).
 */
export function eventsOptions(config: AppConfig, registry: Registry): EventsModuleOptions {
  const store = config.databaseUrl
    ? new PostgresAuditStore({ connectionString: config.databaseUrl, schema: config.databaseSchema })
    : new SqliteAuditStore({ path: join(config.dataDir, 'audit.db') });
  return {
    source: 'example-app',
    // Every type the app emits is declared: a typo in an event name fails loudly instead of going nowhere.
    strict: true,
    definitions: APP_EVENT_DEFINITIONS,
    // The trace page tells the whole story, debug-level steps included (http.request.started,
    // command.execution.started...): kept in the history, and the request's start emitted at all.
    history: { maxEvents: 5000, debug: true },
    // The app is reachable by anyone: a client's own correlation id is used only when it comes through one of
    // TRUSTED_PROXIES (none by default), so no one can file their requests under someone else's story.
    correlation: {
      httpEvents: { started: true },
      trustClientIds: config.trustedProxies.length > 0 ? { proxies: config.trustedProxies } : false,
    },
    audit: {
      store,
      include: ['user.**', 'organization.**', 'invite.**', 'tournament.**', 'command.execution.failed'],
    },
    metrics: { endpoint: '/metrics', registry },
    bridges: { cqrs: { commands: true } },
  };
}
