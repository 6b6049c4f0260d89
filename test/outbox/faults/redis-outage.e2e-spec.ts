/**
 * Redis stopped for a while, real processes: a producer (service `orders`: TypeORM and the outbox on an SQLite
 * file) publishes through a redis-server of the test's own (append-only file, fsync always) to a consumer process
 * of another service. The test stops that server with SIGKILL, has the producer commit 200 orders (100 roll back),
 * then starts the server again in the same directory. Never touches the machine's shared Redis's server (the
 * handlers' records go there, under a prefix of the test's own).
 *
 * Two settings of the producer's transport:
 * - `publishBuffer: { maxEvents: 0 }`: a publish fails at once while Redis is away, so the relay's deliveries
 *   fail, are counted (the outbox health's `failures`) and are retried with a growing delay (the rows' `attempts`);
 * - the default buffer (10,000 events): the relay's first publish waits in the transport for Redis, holding its
 *   batch; nothing fails.
 * Either way the events committed during the outage stay in the outbox, none is handled anywhere (not even by the
 * local listener, which runs only once the transport took the event), and once Redis is back every one is
 * published once and handled once in each process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import { sqliteFaultDatabase, type FaultDatabase } from './support/fault-database';
import type { OutboxChildSettings } from './support/outbox-child';
import { eventually } from '../../support/wait';
import {
  allDelivered,
  deliveries,
  expectEachDeliveredOnce,
  outboxChild,
  report,
  unacknowledged,
} from './support/outbox-harness';
import { killAll, OutboxProcess } from './support/outbox-process';

type PublishBuffer = 'none' | 'default';

describe('outbox fault: Redis stopped while the app commits', () => {
  const records = new Redis(SHARED_REDIS_URL);
  const prefixes: string[] = [];
  const dirs: string[] = [];
  const children: OutboxProcess[] = [];
  let server: OwnRedisServer | undefined;
  let db: FaultDatabase | undefined;

  afterEach(async () => {
    await killAll(children.splice(0));
    if (server) await stopRedisServer(server);
    server = undefined;
    await db?.close();
    db = undefined;
  });

  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await Promise.all(prefixes.map((prefix) => deletePrefix(prefix)));
    records.disconnect();
  });

  it.each<[string, PublishBuffer]>([
    ['fail, are counted and back off (no publish buffer)', 'none'],
    ['wait in the transport (the default publish buffer)', 'default'],
  ])(
    'keeps what commits while Redis is away and delivers it all once back: deliveries %s',
    async (_, buffer) => {
      const prefix = uniquePrefix(`outbox-redis-outage-${buffer}`);
      prefixes.push(prefix);
      const dir = mkdtempSync(join(tmpdir(), 'outbox-redis-'));
      dirs.push(dir);
      server = await startRedisServer(undefined, { durableDir: dir });
      db = sqliteFaultDatabase();
      const transport: OutboxChildSettings['transport'] =
        buffer === 'none' ? { publishBuffer: { maxEvents: 0 } } : {};
      const start = (role: 'producer' | 'consumer') => {
        const settings = outboxChild(prefix, role, role, server!.url, {
          ...(role === 'producer' ? { database: db!.settings, transport } : {}),
          relay: { retryDelayMs: 100, maxRetryDelayMs: 2_000 },
        });
        const child = new OutboxProcess('redis-outage.fixture.ts', settings);
        children.push(child);
        return child;
      };
      const consumer = start('consumer');
      const producer = start('producer');
      await Promise.all([consumer.ready(), producer.ready()]);

      // Before: 50 committed orders delivered and acknowledged, the outbox empty, the relay idle.
      const before = await producer.place(0, 100);
      await eventually(
        async () => allDelivered(before.committed, await deliveries(records, prefix, 'remote')),
        60_000,
      );
      await eventually(async () => (await db!.waiting()).length === 0, 60_000);
      await eventually(async () => (await unacknowledged(server!.url, prefix, 'billing')) === 0, 60_000);

      const port = server.port;
      await stopRedisServer(server);
      // The producer's transport has seen its connection go: from now on a publish finds it down. (One sent just
      // before it noticed would wait in the client for Redis to come back, whatever the buffer.)
      await producer.waitFor(/^warn Redis commands connection .* (lost|closed)/);
      const during = await producer.place(100, 200);
      expect(during.failed).toEqual([]);
      expect(during.committed).toHaveLength(100);
      if (buffer === 'none') {
        // Every row has failed at least twice: tried, given back with a delay, tried again.
        await eventually(async () => {
          const rows = await db!.waiting();
          return rows.length === 100 && rows.every((row) => row.attempts >= 2);
        }, 60_000);
        expect((await producer.status()).failures).toBeGreaterThan(0);
      } else {
        const status = await producer.status();
        expect(status).toMatchObject({ rows: 100, failures: 0 });
      }
      const waiting = await db.waiting();
      expect(waiting.map((row) => row.n)).toEqual(during.committed);
      const handledDuring = (await deliveries(records, prefix, 'remote')).concat(
        await deliveries(records, prefix, 'local'),
      );
      expect(handledDuring.filter((d) => d.n >= 100)).toEqual([]);

      server = await startRedisServer(port, { durableDir: dir });
      const committed = await db.committed();
      expect(committed).toEqual([...before.committed, ...during.committed]);
      const { remote, after } = await expectEachDeliveredOnce(
        { records, prefix, redisUrl: server.url, db, producer, consumer },
        committed,
      );
      report(`Redis stopped, publish buffer ${buffer}`, {
        committedDuringOutage: during.committed.length,
        maxAttemptsDuringOutage: Math.max(...waiting.map((row) => row.attempts)),
        relayFailures: after.failures,
        handled: remote.length,
      });
    },
    300_000,
  );
});
