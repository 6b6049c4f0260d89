import type { InjectionToken } from '@nestjs/common';
import type { TransactionalAdapter, TransactionalAdapterOptions } from '@nestjs-cls/transactional';
import type { Pool, PoolClient } from 'pg';
import { EventsConfigError } from '../../errors/events-config.error';

/** Options of one transaction (`@Transactional(options)`, `txHost.withTransaction(options, fn)`). */
export interface PgTransactionOptions {
  /** Default: the server's (`READ COMMITTED` unless configured otherwise). */
  isolationLevel?: 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
  /** `BEGIN ... READ ONLY`; default false. */
  readOnly?: boolean;
}

/**
 * What `TransactionHost.tx` gives with this adapter: inside a transaction the `PoolClient` it runs on (every query
 * through it is part of the transaction), outside one the `Pool` itself (each query on its own).
 */
export type PgTransaction = PoolClient | Pool;

/** Options of `TransactionalAdapterPg`: the pool, as an instance or as the token of a provider. */
export interface TransactionalAdapterPgOptions {
  /** The injection token of the application's `pg` `Pool`. */
  poolToken?: InjectionToken;
  /** The application's `pg` `Pool`, when it is not a provider. */
  pool?: Pool;
  /** Options of every transaction, merged under each one's own. */
  defaultTxOptions?: Partial<PgTransactionOptions>;
}

const SCOPE = 'TransactionalAdapterPg option';
const ISOLATION_LEVELS = new Set(['READ UNCOMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE']);

/**
 * A `@nestjs-cls/transactional` adapter for plain `pg`, for applications that write their SQL by hand:
 * `@Transactional()` checks a client out of the pool, runs `BEGIN`, and makes it `txHost.tx` until `COMMIT` (or
 * `ROLLBACK` when the method throws). `Propagation.Nested` uses a savepoint on the same client. An outbox row written
 * through `txHost.tx` commits or rolls back with the rest of the transaction.
 */
export class TransactionalAdapterPg implements TransactionalAdapter<
  Pool,
  PgTransaction,
  PgTransactionOptions
> {
  readonly connectionToken: InjectionToken | undefined;
  readonly connection: Pool | undefined;
  readonly defaultTxOptions: Partial<PgTransactionOptions> | undefined;
  /** Savepoint names; one sequence per adapter, so nested savepoints never share a name. */
  private savepoints = 0;

  constructor(options: TransactionalAdapterPgOptions) {
    if (!options?.pool === !options?.poolToken) {
      throw new EventsConfigError(
        'pool',
        'exactly one of "pool" (a pg Pool) and "poolToken" (the injection token of its provider)',
        options?.pool ?? options?.poolToken,
        SCOPE,
      );
    }
    this.connectionToken = options.poolToken;
    this.connection = options.pool;
    this.defaultTxOptions = options.defaultTxOptions;
  }

  optionsFactory = (pool: Pool): TransactionalAdapterOptions<PgTransaction, PgTransactionOptions> => ({
    wrapWithTransaction: async (options, fn, setTx) => {
      const begin = beginStatement(options);
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query(begin);
        setTx(client);
        const result: unknown = await fn();
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        // A client whose ROLLBACK failed may still be inside the transaction: the pool must not hand it out again.
        client.release(broken);
      }
    },
    wrapWithNestedTransaction: async (_options, fn, setTx, tx) => {
      const client = tx as PoolClient;
      const savepoint = `nestjs_cls_pg_${++this.savepoints}`;
      await client.query(`SAVEPOINT ${savepoint}`);
      setTx(client);
      try {
        const result: unknown = await fn();
        await client.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
        throw error;
      }
    },
    getFallbackInstance: () => pool,
  });
}

/** `BEGIN` with the isolation level and access mode asked for (checked: they go into SQL text). */
function beginStatement(options: Partial<PgTransactionOptions> | undefined): string {
  let sql = 'BEGIN';
  const level = options?.isolationLevel;
  if (level !== undefined) {
    const normalised = String(level).toUpperCase();
    if (!ISOLATION_LEVELS.has(normalised)) {
      throw new EventsConfigError(
        'isolationLevel',
        `one of ${[...ISOLATION_LEVELS].join(', ')}`,
        level,
        SCOPE,
      );
    }
    sql += ` ISOLATION LEVEL ${normalised}`;
  }
  if (options?.readOnly) sql += ' READ ONLY';
  return sql;
}
