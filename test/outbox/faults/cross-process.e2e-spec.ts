/**
 * The outbox across processes, real parts only: a producer process (service `orders`: TypeORM on an SQLite file or
 * a PostgreSQL schema, `ClsPluginTransactional` with `transactionalOutbox(new TransactionalAdapterTypeOrm(...))`,
 * the outbox and its relay, a `local: true` listener) runs 1,000 transactions that each write an order and emit the
 * distributed `order.placed`; every odd one rolls back. A consumer process of another service (`billing`) gets
 * them over `RedisStreamsTransport` on a redis-server of the test's own. Proves that exactly the 500 committed
 * events are published (once each in the stream), handled once in the other process and once by the local
 * listener, and that none of the 500 rolled back ever is.
 */
import { Redis } from 'ioredis';
import { describePostgres } from '../../support/postgres';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import { postgresFaultDatabase, sqliteFaultDatabase, type FaultDatabase } from './support/fault-database';
import { commits } from './support/orders';
import {
  compare,
  EACH_ONCE,
  outboxChild,
  outcome,
  report,
  untilAllDelivered,
} from './support/outbox-harness';
import { killAll, OutboxProcess } from './support/outbox-process';

const TRANSACTIONS = 1000;

function describeAcrossProcesses(name: string, open: () => FaultDatabase | Promise<FaultDatabase>): void {
  describe(`the outbox across processes over Redis (${name})`, () => {
    const prefix = uniquePrefix('outbox-cross');
    const records = new Redis(SHARED_REDIS_URL);
    const children: OutboxProcess[] = [];
    let server: OwnRedisServer | undefined;
    let db: FaultDatabase | undefined;

    afterAll(async () => {
      await killAll(children);
      if (server) await stopRedisServer(server);
      await db?.close();
      await deletePrefix(prefix);
      records.disconnect();
    });

    it('handles exactly the 500 committed of 1,000 transactions, once in another process and once locally', async () => {
      server = await startRedisServer();
      db = await open();
      const start = (role: 'producer' | 'consumer') => {
        const child = new OutboxProcess(
          'cross-process.fixture.ts',
          outboxChild(prefix, role, role, server!.url, role === 'producer' ? { database: db!.settings } : {}),
        );
        children.push(child);
        return child;
      };
      const consumer = start('consumer');
      const producer = start('producer');
      await Promise.all([consumer.ready(), producer.ready()]);

      const placed = await producer.place(0, TRANSACTIONS);
      const expected = Array.from({ length: TRANSACTIONS }, (_, n) => n).filter(commits);
      expect(placed.failed).toEqual([]);
      expect(placed.committed).toEqual(expected);
      expect(placed.rolledBack).toHaveLength(TRANSACTIONS - expected.length);
      const committed = await db.committed();
      expect(committed).toEqual(expected);

      await untilAllDelivered(records, prefix, committed, db);
      // Closing both apps ends every delivery in hand: nothing can be recorded after this.
      const exits = await Promise.all([producer.stop(), consumer.stop()]);
      expect(exits.map((exit) => exit.code)).toEqual([0, 0]);

      const { remote, local, stream } = await outcome(records, prefix, server.url);
      expect(compare(committed, remote)).toEqual(EACH_ONCE);
      expect(compare(committed, local)).toEqual(EACH_ONCE);
      expect(compare(committed, stream)).toEqual(EACH_ONCE);
      expect(new Set(remote.map((d) => d.child))).toEqual(new Set(['consumer']));
      expect(new Set(local.map((d) => d.child))).toEqual(new Set(['producer']));
      // The consumer handled the very events the producer's relay delivered locally.
      const localIds = new Map(local.map((d) => [d.n, d.eventId]));
      expect(remote.filter((d) => localIds.get(d.n) !== d.eventId)).toEqual([]);
      report(`across processes (${name})`, {
        transactions: TRANSACTIONS,
        committed: committed.length,
        handledRemotely: remote.length,
        handledLocally: local.length,
        published: stream.length,
      });
    }, 300_000);
  });
}

describeAcrossProcesses('SQLite file', sqliteFaultDatabase);
describePostgres('PostgreSQL', () => describeAcrossProcesses('PostgreSQL schema', postgresFaultDatabase));
