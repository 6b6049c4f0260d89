import { join } from 'node:path';
import { PostgresAuditStore, SqliteAuditStore, type EventsModuleOptions } from 'nestjs-event-bus';
import { PostgresOutboxStore, SqliteOutboxStore } from 'nestjs-event-bus/outbox';
import { RedisStreamsTransport, RedisTraceStore } from 'nestjs-event-bus/redis';
import type { Registry } from 'prom-client';
import { appDatabasePath, type AppConfig } from '../config/app.config';
import { postgresSchema } from '../database/database.options';
import { APP_EVENT_DEFINITIONS } from './event-catalog';

/** What a process of the example app does: all of it, or the API or worker half when it runs as two. */
export type AppRole = 'all' | 'api' | 'worker';

/** Each role is a service of its own on the transport: one consumer group each. */
const SOURCES: Record<AppRole, string> = { all: 'example-app', api: 'example-api', worker: 'example-worker' };

/**
 * The event bus as the example app runs it: every feature on. The audit trail lives next to the app's data
 * (SQLite file `DATA_DIR/audit.db`, or the same PostgreSQL as the app when `DATABASE_URL` is set); the worker
 * keeps its own trail (`audit-worker.db`, or the `audit_log_worker` table), since a hash chain has one writer.
 * With `REDIS_URL`, distributed events (sign-ups, invites, race and match results) go over Redis Streams.
 * Events emitted inside a `@Transactional()` method go through the outbox (see `outboxStore()`).
 */
export function eventsOptions(config: AppConfig, registry: Registry, role: AppRole): EventsModuleOptions {
  const worker = role === 'worker';
  const store = config.databaseUrl
    ? new PostgresAuditStore({
        connectionString: config.databaseUrl,
        schema: config.databaseSchema,
        table: worker ? 'audit_log_worker' : undefined,
      })
    : new SqliteAuditStore({ path: join(config.dataDir, worker ? 'audit-worker.db' : 'audit.db') });
  const overRedis = role !== 'all' && config.redisUrl !== undefined;
  return {
    source: SOURCES[role],
    // Every type the app emits is declared: a typo in an event name fails loudly instead of going nowhere.
    strict: true,
    definitions: APP_EVENT_DEFINITIONS,
    transport: overRedis
      ? new RedisStreamsTransport({ connection: config.redisUrl, prefix: config.redisPrefix })
      : undefined,
    // Each process records its part of every story (events, handler attempts, dead letters): in memory when the
    // app is one process; in Redis when it is two, so the API's trace shows what the worker did.
    trace: {
      store: overRedis
        ? new RedisTraceStore({ connection: config.redisUrl, prefix: config.redisPrefix })
        : undefined,
    },
    // The trace page tells the whole story, debug-level steps included (http.request.started,
    // command.execution.started...): kept in the history, and the request's start emitted at all.
    history: { maxEvents: 5000, debug: true },
    // The app is reachable by anyone: a client's own correlation id is used only when it comes through one of
    // TRUSTED_PROXIES (none by default), so no one can file their requests under someone else's story. The
    // worker serves no HTTP: its context comes with each event.
    correlation: {
      httpEvents: { started: !worker },
      trustClientIds: config.trustedProxies.length > 0 ? { proxies: config.trustedProxies } : false,
    },
    audit: {
      store,
      include: [
        'user.**',
        'organization.**',
        'invite.**',
        'tournament.**',
        'command.execution.failed',
        // The worker's own story: the emails it sent, under the request's correlation id.
        ...(worker ? ['notification.**'] : []),
      ],
    },
    // Events emitted inside a transaction are written to the outbox table with it, and delivered (to this process's
    // handlers, and to Redis when distributed) by the relay once it committed; never when it rolled back.
    outbox: { store: outboxStore(config, role) },
    metrics: worker ? { registry } : { endpoint: '/metrics', registry },
    bridges: worker ? {} : { cqrs: { commands: true } },
  };
}

/**
 * The outbox (and inbox) tables of a process playing `role`: in the app's own database, since a transaction writes
 * its events' rows itself (the SQLite file `DATA_DIR/app.db`, or `DATABASE_SCHEMA` on PostgreSQL). The store
 * creates them at startup when missing. Each service has its own tables, as each has its own audit trail: the
 * process that relays a row runs its handlers, so the emails and winners the worker's handlers announce are
 * the worker's to deliver; instances of one service share theirs (each relays the rows it claims).
 */
function outboxStore(config: AppConfig, role: AppRole): SqliteOutboxStore | PostgresOutboxStore {
  const tables = role === 'worker' ? { table: 'event_outbox_worker', inboxTable: 'event_inbox_worker' } : {};
  if (config.databaseUrl) {
    return new PostgresOutboxStore({
      connection: config.databaseUrl,
      schema: postgresSchema(config),
      ...tables,
    });
  }
  return new SqliteOutboxStore({ file: appDatabasePath(config), ...tables });
}
