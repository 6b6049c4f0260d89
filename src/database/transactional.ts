import type { TransactionalAdapter } from '@nestjs-cls/transactional';
import {
  TransactionalAdapterTypeOrm,
  type TypeOrmTransactionOptions,
} from '@nestjs-cls/transactional-adapter-typeorm';
import { transactionalOutbox } from 'nestjs-event-bus/outbox';
import { DataSource, type EntityManager } from 'typeorm';
import { isSqlite } from './database.options';
import { sqliteTransactionLock } from './sqlite-transaction.lock';

/** The app's adapter: TypeORM's, as `TransactionHost<TransactionalAdapterTypeOrm>` sees it. */
export type AppTransactionalAdapter = TransactionalAdapter<
  DataSource,
  EntityManager,
  TypeOrmTransactionOptions
>;

/**
 * THE place where the app's `@nestjs-cls/transactional` adapter is built: `@Transactional()` and
 * `TransactionHost.withTransaction()` open their transactions through it, and repositories read `txHost.tx` (the
 * transaction's `EntityManager`, or the `DataSource`'s own outside one).
 *
 * It is TypeORM's adapter on the `DataSource` of `TypeOrmModule`, with two additions:
 * - on SQLite, transactions take turns on the one connection (see `SqliteTransactionLock`);
 * - around that, `transactionalOutbox()`: the events a service emits inside a transaction are written to the
 *   event bus's outbox table through the transaction, just before it commits, and delivered once it committed
 *   (never when it rolled back). The outbox's rows are thus written while the transaction holds the SQLite lock.
 */
export function createTransactionalAdapter(): AppTransactionalAdapter {
  const adapter = new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource });
  const typeOrmOptions = adapter.optionsFactory;
  adapter.optionsFactory = (dataSource: DataSource) => {
    const options = typeOrmOptions(dataSource);
    if (!isSqlite(dataSource.options)) return options;
    const lock = sqliteTransactionLock(dataSource);
    return {
      ...options,
      wrapWithTransaction: (txOptions, fn, setClient) =>
        lock.run(() => options.wrapWithTransaction(txOptions, fn, setClient)),
    };
  };
  return transactionalOutbox(adapter);
}
