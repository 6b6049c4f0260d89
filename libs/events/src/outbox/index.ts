// The entry point nestjs-event-bus/outbox: the transactional outbox's stores and relay. The stores need the
// optional peers `pg` or `better-sqlite3`; `TransactionalAdapterPg` plugs plain `pg` into `@nestjs-cls/transactional`.
export type {
  OutboxDepth,
  OutboxEntry,
  OutboxRecord,
  OutboxStore,
  SqlExecutor,
} from '../bus/ports/outbox-store.port';
export { OUTBOX_STORE } from '../bus/ports/outbox-store.port';
export type { OutboxDeliver, OutboxRelayOptions } from './outbox.options';
export type { SqliteOutboxStoreOptions } from './stores/sqlite-outbox.options';
export type { PostgresOutboxStoreOptions } from './stores/postgres-outbox.options';
export { OutboxStoreError } from './outbox.errors';
export { OutboxRelay } from './outbox.relay';
export type { OutboxFlushResult, OutboxRelayStats } from './outbox.relay';
export { SqliteOutboxStore } from './stores/sqlite-outbox.store';
export { PostgresOutboxStore } from './stores/postgres-outbox.store';
export { transactionalOutbox } from './adapters/transactional-outbox.adapter';
export type { OutboxOptions } from './outbox-module.options';
export type { ExecutorFactory } from './sql-executors';
export type { OutboxHealth, OutboxStats } from '../bus/ports/event-outbox.port';
export { TransactionalAdapterPg } from './adapters/transactional-adapter-pg';
export type {
  PgTransaction,
  PgTransactionOptions,
  TransactionalAdapterPgOptions,
} from './adapters/transactional-adapter-pg';
