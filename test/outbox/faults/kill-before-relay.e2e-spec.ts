/**
 * Kill -9 between commit and relay, real processes: a producer (service `orders`, TypeORM with the outbox on an
 * SQLite file or a PostgreSQL schema) commits orders, every odd one rolled back, and is killed with SIGKILL; a new
 * producer process on the same database relays what it left to a consumer process of another service over Redis
 * (a redis-server of the test's own).
 *
 * First with no relay in the writer (`relay: false`): every committed row is provably still in the outbox when the
 * writer dies, so the kill falls between commit and relay by construction. Then with the writer's relay running
 * while it writes (10 rows a batch, a slow local listener so the relay lags): the kill lands mid-stream and
 * mid-batch. Proves that every committed event is delivered after the restart, none of the rolled-back ones,
 * exactly once in the first case and, in the second, with at most one batch (the one in the killed relay's hands)
 * delivered twice.
 */
import { Redis } from 'ioredis';
import { describePostgres } from '../../support/postgres';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import { postgresFaultDatabase, sqliteFaultDatabase, type FaultDatabase } from './support/fault-database';
import { commits } from './support/orders';
import type { OutboxChildSettings } from './support/outbox-child';
import { eventually } from '../../support/wait';
import {
  compare,
  deliveries,
  EACH_ONCE,
  heldBy,
  outboxChild,
  outcome,
  report,
  untilAllDelivered,
} from './support/outbox-harness';
import { killAll, OutboxProcess } from './support/outbox-process';

const BATCH_SIZE = 10;
/** Rows a dead relay held are claimed again after this (longer than any batch takes on a loaded machine). */
const LEASE_MS = 5_000;

function describeKill(name: string, open: () => FaultDatabase | Promise<FaultDatabase>): void {
  describe(`kill -9 between commit and relay (${name})`, () => {
    const records = new Redis(SHARED_REDIS_URL);
    const prefixes: string[] = [];
    const children: OutboxProcess[] = [];
    const databases: FaultDatabase[] = [];
    let server: OwnRedisServer;

    beforeAll(async () => {
      server = await startRedisServer();
    });

    afterEach(async () => {
      await killAll(children.splice(0));
      await Promise.all(databases.splice(0).map((db) => db.close()));
    });

    afterAll(async () => {
      await stopRedisServer(server);
      await Promise.all(prefixes.map((prefix) => deletePrefix(prefix)));
      records.disconnect();
    });

    /** A test's own prefix, database and process starter. */
    async function setUp(test: string) {
      const prefix = uniquePrefix(`outbox-kill-${test}`);
      prefixes.push(prefix);
      const db = await open();
      databases.push(db);
      const start = (role: string, options: Partial<OutboxChildSettings> = {}) => {
        const producer = role !== 'consumer';
        const settings = outboxChild(prefix, role, role, server.url, {
          ...(producer ? { database: db.settings } : {}),
          relay: { leaseMs: LEASE_MS, batchSize: BATCH_SIZE },
          ...options,
        });
        const child = new OutboxProcess('kill-before-relay.fixture.ts', settings);
        children.push(child);
        return child;
      };
      return { prefix, db, start };
    }

    it('delivers every event committed before the kill exactly once after a restart, none rolled back', async () => {
      const { prefix, db, start } = await setUp('held');
      const consumer = start('consumer');
      const writer = start('writer');
      await Promise.all([consumer.ready(), writer.ready()]);
      const placed = await writer.place(0, 200);
      expect(placed.failed).toEqual([]);
      const committed = await db.committed();
      expect(committed).toEqual(placed.committed);
      expect(committed.every(commits)).toBe(true);
      // Between commit and relay: every committed event waits in the outbox, nothing was delivered.
      expect((await db.waiting()).map((row) => row.n)).toEqual(committed);
      expect(await deliveries(records, prefix, 'local')).toEqual([]);

      const killed = await writer.kill();
      expect(killed.signal).toBe('SIGKILL');
      const restarted = start('restarted');
      await restarted.ready();
      await untilAllDelivered(records, prefix, committed, db);
      await Promise.all([restarted.stop(), consumer.stop()]);

      const { remote, local, stream } = await outcome(records, prefix, server.url);
      expect(compare(committed, remote)).toEqual(EACH_ONCE);
      expect(compare(committed, local)).toEqual(EACH_ONCE);
      expect(stream).toHaveLength(committed.length);
      expect(new Set(local.map((d) => d.child))).toEqual(new Set(['restarted']));
      report(`kill -9 with the rows held (${name})`, {
        committed: committed.length,
        rolledBack: placed.rolledBack.length,
        handledRemotely: remote.length,
        handledLocally: local.length,
      });
    }, 300_000);

    it('killed mid-batch while its relay runs: every committed event delivered, at most one batch twice', async () => {
      const { prefix, db, start } = await setUp('relaying');
      const consumer = start('consumer');
      // A slow local listener keeps the relay behind the writer: rows wait and batches take a while.
      const writer = start('relaying-writer', { workMs: 10 });
      await Promise.all([consumer.ready(), writer.ready()]);
      const loop = writer.startLoop(0, 0);
      await eventually(async () => {
        const delivered = (await deliveries(records, prefix, 'local')).length;
        const rows = await db.waiting();
        return delivered >= 3 * BATCH_SIZE && rows.length >= 3 * BATCH_SIZE && rows.some(heldBy(writer));
      }, 120_000);
      const killed = await writer.kill();
      expect(killed.signal).toBe('SIGKILL');
      void loop.halt().catch(() => undefined);
      const held = (await db.waiting()).filter(heldBy(writer)).map((row) => row.n);
      // Whatever the writer was doing when it died, the database says what committed.
      const committed = await db.committed();
      expect(committed.every(commits)).toBe(true);
      const deliveredBefore = (await deliveries(records, prefix, 'local')).length;

      const restarted = start('restarted');
      await restarted.ready();
      await untilAllDelivered(records, prefix, committed, db);
      await Promise.all([restarted.stop(), consumer.stop()]);

      const delivered = await outcome(records, prefix, server.url);
      const remote = compare(committed, delivered.remote);
      const local = compare(committed, delivered.local);
      const stream = compare(committed, delivered.stream);
      for (const seen of [remote, local, stream]) {
        expect(seen.missing).toEqual([]);
        expect(seen.uncommitted).toEqual([]);
        expect(seen.duplicates.length).toBeLessThanOrEqual(BATCH_SIZE);
        // A duplicate can only be a row the dead relay held: delivered, not yet deleted.
        expect(seen.duplicates.filter((n) => !held.includes(n))).toEqual([]);
      }
      report(`kill -9 while relaying (${name})`, {
        committed: committed.length,
        deliveredBeforeKill: deliveredBefore,
        heldByKilledRelay: held.length,
        duplicates: {
          remote: remote.duplicates.length,
          local: local.duplicates.length,
          published: stream.duplicates.length,
        },
      });
    }, 300_000);
  });
}

describeKill('SQLite file', sqliteFaultDatabase);
describePostgres('PostgreSQL', () => describeKill('PostgreSQL schema', postgresFaultDatabase));
