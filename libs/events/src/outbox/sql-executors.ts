import type { SqlExecutor } from '../bus/ports/outbox-store.port';
import { EventsConfigError } from '../errors/events-config.error';

/** Makes the `SqlExecutor` of a transaction object (the `outbox.executor` option). */
export type ExecutorFactory = (tx: unknown) => SqlExecutor;

type Query = (sql: string, params: unknown[], structured?: boolean) => unknown;
type ExecuteRaw = (sql: string, ...params: unknown[]) => Promise<unknown>;

/**
 * The `SqlExecutor` of a transaction object of the adapters a Nest app meets, or undefined for an unknown kind:
 * - a TypeORM `EntityManager` (of a transaction): through its query runner, which reports the rows a statement
 *   changed (its `query()` alone does not: an insert gives the sqlite row id, or the postgres rows returned);
 * - Prisma's transaction client: `$executeRawUnsafe`, which resolves with the rows changed;
 * - anything else with `query(sql, params)` (a `pg` `PoolClient`, as `TransactionalAdapterPg` gives): the result's
 *   `rowCount` (pg), `affected` (TypeORM), `changes` (better-sqlite3) or `affectedRows` (mysql).
 */
export function sqlExecutorFor(tx: unknown): SqlExecutor | undefined {
  if (tx === null || (typeof tx !== 'object' && typeof tx !== 'function')) return undefined;
  const candidate = tx as { queryRunner?: { query?: unknown }; $executeRawUnsafe?: unknown; query?: unknown };
  const runner = candidate.queryRunner;
  if (typeof candidate.query === 'function' && typeof runner?.query === 'function') {
    const query = (runner.query as Query).bind(runner);
    return async (sql, params) => rowsChanged(await query(sql, [...params], true));
  }
  if (typeof candidate.$executeRawUnsafe === 'function') {
    const execute = (candidate.$executeRawUnsafe as ExecuteRaw).bind(tx);
    return async (sql, params) => countOf(await execute(sql, ...params));
  }
  if (typeof candidate.query === 'function') {
    const query = (candidate.query as Query).bind(tx);
    return async (sql, params) => rowsChanged(await query(sql, [...params]));
  }
  return undefined;
}

/** What `$executeRawUnsafe` resolves with: the rows changed. */
function countOf(result: unknown): number {
  if (typeof result === 'number' || typeof result === 'bigint') return Number(result);
  return rowsChanged(result);
}

/**
 * The rows a statement changed, from what a `query()` resolved with. A bare number is refused (TypeORM's sqlite
 * `query()` gives the last row id). Throws when the result does not say: the inbox decides on that count, so a
 * guess could skip a handler for good.
 */
export function rowsChanged(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  if (result !== null && typeof result === 'object') {
    const fields = result as Record<string, unknown>;
    for (const field of ['rowCount', 'affected', 'changes', 'affectedRows']) {
      const value = fields[field];
      if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
    }
  }
  throw new Error(
    "The transaction's query() result does not say how many rows the statement changed (no rowCount, " +
      'affected, changes or affectedRows); give the outbox an executor: outbox: { executor: (tx) => ' +
      '(sql, params) => /* run it, resolve with the rows changed */ }.',
  );
}

/** The executor for transactions of the app: the `executor` option's, else one made for the object's kind. */
export function executorResolver(option: ExecutorFactory | undefined): (tx: unknown) => SqlExecutor {
  return (tx) => {
    const executor = option?.(tx) ?? sqlExecutorFor(tx);
    if (executor !== undefined) return executor;
    throw new EventsConfigError(
      'outbox.executor',
      'a function (tx) => (sql, params) => Promise<rows changed>, for transaction objects without query(sql, ' +
        'params) or $executeRawUnsafe',
      tx,
    );
  };
}
