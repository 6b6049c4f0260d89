import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { isSqlite } from './database.options';
import { sqliteTransactionLock } from './sqlite-transaction.lock';

/**
 * THE place where the app's `@nestjs-cls/transactional` adapter is built: `@Transactional()` and
 * `TransactionHost.withTransaction()` open their transactions through it, and repositories read `txHost.tx` (the
 * transaction's `EntityManager`, or the `DataSource`'s own outside one). To change how every transaction of the app
 * is opened (e.g. to write events emitted inside it to an outbox), wrap the adapter here.
 *
 * It is TypeORM's adapter on the `DataSource` of `TypeOrmModule`, with one addition on SQLite: transactions take
 * turns on the one connection (see `SqliteTransactionLock`).
 */
export function createTransactionalAdapter(): TransactionalAdapterTypeOrm {
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
  return adapter;
}
