import { EventsConfigError } from '../errors/events-config.error';
import { executorResolver, rowsChanged, sqlExecutorFor } from './sql-executors';

describe('rowsChanged', () => {
  it.each([
    ['pg', { rowCount: 3, rows: [] }, 3],
    ['TypeORM QueryResult', { records: [], affected: 2 }, 2],
    ['better-sqlite3 RunResult', { changes: 1, lastInsertRowid: 9 }, 1],
    ['mysql OkPacket', { affectedRows: 4 }, 4],
    ['TypeORM postgres query() of an UPDATE', [[], 5], 5],
    ['a bigint count', { changes: 7n }, 7],
  ])('reads the count of %s', (_kind, result, count) => {
    expect(rowsChanged(result)).toBe(count);
  });

  it('refuses a result that does not say, naming the option that fixes it', () => {
    // TypeORM's sqlite query() resolves an insert with the row id: never a count.
    for (const result of [42, undefined, [], [{ id: 1 }], { rows: [] }]) {
      expect(() => rowsChanged(result)).toThrow(/give the outbox an executor/);
    }
  });
});

describe('sqlExecutorFor', () => {
  it("runs through a TypeORM EntityManager's query runner, asking for the structured result", async () => {
    const calls: unknown[][] = [];
    const queryRunner = {
      query: async (...args: unknown[]) => {
        calls.push(args);
        return { records: [], affected: 1, raw: 12 };
      },
    };
    const manager = { queryRunner, query: async () => 12 };
    const run = sqlExecutorFor(manager)!;
    await expect(run('INSERT INTO t VALUES (?)', ['a'])).resolves.toBe(1);
    expect(calls).toEqual([['INSERT INTO t VALUES (?)', ['a'], true]]);
  });

  it("passes the parameters one by one to Prisma's $executeRawUnsafe and takes its count", async () => {
    const calls: unknown[][] = [];
    const prisma = {
      $executeRawUnsafe: async (...args: unknown[]) => {
        calls.push(args);
        return 1;
      },
    };
    await expect(sqlExecutorFor(prisma)!('INSERT INTO t VALUES ($1, $2)', ['a', 2])).resolves.toBe(1);
    expect(calls).toEqual([['INSERT INTO t VALUES ($1, $2)', 'a', 2]]);
  });

  it('uses query(sql, params) of anything else (a pg client) and reads rowCount', async () => {
    const client = { query: async (_sql: string, params: unknown[]) => ({ rowCount: params.length }) };
    await expect(sqlExecutorFor(client)!('DELETE ...', [1, 2])).resolves.toBe(2);
  });

  it('knows nothing of other values', () => {
    for (const tx of [undefined, null, 'tx', 3, {}]) expect(sqlExecutorFor(tx)).toBeUndefined();
  });
});

describe('executorResolver', () => {
  it('prefers the executor option, then the object itself', async () => {
    const given = async () => 5;
    const resolve = executorResolver((tx) => (tx === 'custom' ? given : undefined!));
    expect(resolve('custom')).toBe(given);
    await expect(resolve({ query: async () => ({ rowCount: 1 }) })('x', [])).resolves.toBe(1);
  });

  it('throws EventsConfigError naming outbox.executor for an unknown transaction object', () => {
    const resolve = executorResolver(undefined);
    expect(() => resolve({ begin() {} })).toThrow(EventsConfigError);
    expect(() => resolve({ begin() {} })).toThrow(/"outbox.executor"/);
  });
});
