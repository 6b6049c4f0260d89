/**
 * PostgreSQL stopped for a while, real processes: a producer (service `orders`: TypeORM and the outbox on a
 * PostgreSQL server of the test's own) places an order every 10 ms, every odd one rolled back, while its relay
 * publishes to a consumer process of another service over Redis (a redis-server of the test's own). The test
 * stops the server with SIGKILL to its postmaster for 8 s, then starts it again on the same data directory.
 *
 * Proves that the producer neither crashes nor stops: its transactions fail while the server is away, its outbox
 * health says down (it still answers), and it goes on once the server is back; and that every order the database
 * holds afterwards (whatever a transaction that died in the middle reported) is published once and handled once
 * in the other process and once locally, and nothing else is. One relay: a claim or a delete lost with the server
 * is retried by the same relay, so no event is delivered twice. Never touches the machine's shared PostgreSQL.
 */
import { Redis } from 'ioredis';
import { SHARED_REDIS_URL, deletePrefix, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import {
  destroyPostgresServer,
  resumePostgresServer,
  startPostgresServer,
  stopPostgresServer,
  type OwnPostgresServer,
} from '../../support/postgres-server';
import { delay, eventually } from '../../support/wait';
import { postgresFaultDatabase, type FaultDatabase } from './support/fault-database';
import { commits } from './support/orders';
import { deliveries, expectEachDeliveredOnce, outboxChild, report } from './support/outbox-harness';
import { killAll, OutboxProcess } from './support/outbox-process';

const OUTAGE_MS = 8_000;
const PAUSE_MS = 10;

describe('outbox fault: PostgreSQL stopped for 8 s while the app writes and relays', () => {
  const prefix = uniquePrefix('outbox-pg-outage');
  const records = new Redis(SHARED_REDIS_URL);
  const children: OutboxProcess[] = [];
  let redis: OwnRedisServer | undefined;
  let postgres: OwnPostgresServer | undefined;
  let db: FaultDatabase | undefined;

  afterAll(async () => {
    await killAll(children);
    await db?.close().catch(() => undefined);
    if (postgres) await destroyPostgresServer(postgres);
    if (redis) await stopRedisServer(redis);
    await deletePrefix(prefix);
    records.disconnect();
  });

  it('loses nothing committed, delivers nothing twice, and keeps running through the outage', async () => {
    [redis, postgres] = await Promise.all([startRedisServer(), startPostgresServer()]);
    db = await postgresFaultDatabase(postgres.url);
    const start = (role: 'producer' | 'consumer') => {
      const settings = outboxChild(prefix, role, role, redis!.url, {
        ...(role === 'producer' ? { database: db!.settings } : {}),
        relay: { leaseMs: 5_000, maxRetryDelayMs: 1_000 },
      });
      const child = new OutboxProcess('postgres-outage.fixture.ts', settings);
      children.push(child);
      return child;
    };
    const consumer = start('consumer');
    const producer = start('producer');
    await Promise.all([consumer.ready(), producer.ready()]);

    const loop = producer.startLoop(0, PAUSE_MS);
    const handled = async () => (await deliveries(records, prefix, 'remote')).length;
    await eventually(async () => (await handled()) >= 50, 120_000);

    await stopPostgresServer(postgres);
    const handledAtStop = await handled();
    await delay(OUTAGE_MS / 2);
    // Still answering, and saying what is wrong.
    const during = await producer.status();
    expect(during.status).toBe('down');
    await delay(OUTAGE_MS / 2);
    await resumePostgresServer(postgres);
    const handledAtRestart = await handled();

    // Writing and relaying resume: 50 more orders handled after the restart.
    await eventually(async () => (await handled()) >= handledAtRestart + 50, 120_000);
    const placed = await loop.halt();
    expect(producer.alive).toBe(true);
    expect(placed.failed.length).toBeGreaterThan(0);

    const committed = await db.committed();
    expect(committed.every(commits)).toBe(true);
    const { remote, after } = await expectEachDeliveredOnce(
      { records, prefix, redisUrl: redis.url, db, producer, consumer },
      committed,
    );
    const failedButCommitted = placed.failed.filter((f) => committed.includes(f.n)).length;
    report('PostgreSQL stopped for 8 s', {
      committed: committed.length,
      rolledBack: placed.rolledBack.length,
      failedDuringOutage: placed.failed.length,
      failedButCommitted,
      handledBeforeStop: handledAtStop,
      handledAtRestart,
      handled: remote.length,
      relayFailures: after.failures,
    });
  }, 300_000);
});
