/**
 * Two relays at once, real processes: two instances of service `orders` on one PostgreSQL schema (the shared
 * server, a schema of the test's own), each writing orders with TypeORM and running its outbox relay on the shared
 * table (claims with `FOR UPDATE SKIP LOCKED` and leases; the other instance's commits reach a relay only by
 * NOTIFY), publish over a redis-server of the test's own to a consumer of service `billing` with 4 partitions keyed
 * by the orders' key (their correlation id).
 *
 * Proves that in the normal case no event is published twice or handled twice (in the other service, or locally
 * by either instance), that both relays share the work, and that each key's events reach the consumer in the
 * order their transactions committed (each key is written by one instance, one transaction after the other).
 * Then that when one relay is killed with SIGKILL in the middle of a batch, the other delivers everything after
 * the dead one's lease, with duplicates bounded by the batch size and only among the rows the dead relay held.
 */
import { Redis } from 'ioredis';
import { describePostgres } from '../../support/postgres';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import { postgresFaultDatabase, type FaultDatabase } from './support/fault-database';
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
  outOfOrder,
  report,
  untilAllDelivered,
} from './support/outbox-harness';
import { killAll, OutboxProcess } from './support/outbox-process';

const PARTITIONS = 4;
const BATCH_SIZE = 20;
/** Longer than any batch takes on a loaded machine: a live relay never loses its rows to the other. */
const LEASE_MS = 10_000;

describePostgres('outbox: two relays at once on one PostgreSQL database', () => {
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

  async function setUp(test: string) {
    const prefix = uniquePrefix(`outbox-two-relays-${test}`);
    prefixes.push(prefix);
    const db = await postgresFaultDatabase();
    databases.push(db);
    const start = (
      role: 'instance' | 'consumer',
      name: string,
      options: Partial<OutboxChildSettings> = {},
    ) => {
      const settings = outboxChild(prefix, name, role, server.url, {
        ...(role === 'instance' ? { database: db.settings } : {}),
        transport: { partitions: PARTITIONS },
        relay: { batchSize: BATCH_SIZE, leaseMs: LEASE_MS, pollIntervalMs: 200 },
        ...options,
      });
      const child = new OutboxProcess('two-relays.fixture.ts', settings);
      children.push(child);
      return child;
    };
    return { prefix, db, start };
  }

  it('publishes and handles each committed event once, both relays working, each key in commit order', async () => {
    const { prefix, db, start } = await setUp('normal');
    const consumer = start('consumer', 'consumer');
    const a = start('instance', 'a');
    const b = start('instance', 'b');
    await Promise.all([consumer.ready(), a.ready(), b.ready()]);

    // Instance a writes orders 0..599, b 1000..1599, at once: their keys differ (see keyOf).
    const [placedA, placedB] = await Promise.all([a.place(0, 600), b.place(1000, 600)]);
    expect([...placedA.failed, ...placedB.failed]).toEqual([]);
    const committed = await db.committed();
    expect(committed).toEqual([...placedA.committed, ...placedB.committed]);
    await untilAllDelivered(records, prefix, committed, db);
    await Promise.all([a.stop(), b.stop(), consumer.stop()]);

    const { remote, local, stream } = await outcome(records, prefix, server.url, PARTITIONS);
    expect(compare(committed, stream)).toEqual(EACH_ONCE);
    expect(compare(committed, remote)).toEqual(EACH_ONCE);
    expect(compare(committed, local)).toEqual(EACH_ONCE);
    const relayedBy = {
      a: local.filter((d) => d.child === 'a').length,
      b: local.filter((d) => d.child === 'b').length,
    };
    expect(relayedBy.a).toBeGreaterThan(0);
    expect(relayedBy.b).toBeGreaterThan(0);
    // Each key is in one partition's stream, in commit order, and was handled in that order.
    expect(outOfOrder(stream)).toEqual([]);
    expect(outOfOrder(remote)).toEqual([]);
    report('two relays, normal case', {
      committed: committed.length,
      relayedBy,
      crossRelayed: {
        // Orders written by one instance and relayed by the other: its relay heard of them by NOTIFY.
        aByB: local.filter((d) => d.child === 'b' && d.n < 1000).length,
        bByA: local.filter((d) => d.child === 'a' && d.n >= 1000).length,
      },
    });
  }, 300_000);

  it('one relay killed mid-batch: the other delivers everything, duplicates only of its batch', async () => {
    const { prefix, db, start } = await setUp('killed');
    const consumer = start('consumer', 'consumer');
    // Slow local listeners, the victim's slower: a batch of 20 takes it a second, so the kill falls inside one.
    const writer = start('instance', 'writer', { workMs: 20 });
    const victim = start('instance', 'victim', { workMs: 50 });
    await Promise.all([consumer.ready(), writer.ready(), victim.ready()]);

    const placing = writer.place(0, 1000);
    await eventually(async () => {
      const byVictim = (await deliveries(records, prefix, 'local')).filter((d) => d.child === 'victim');
      const rows = await db.waiting();
      return byVictim.length >= BATCH_SIZE && rows.filter(heldBy(victim)).length > 0;
    }, 120_000);
    expect((await victim.kill()).signal).toBe('SIGKILL');
    const held = (await db.waiting()).filter(heldBy(victim)).map((row) => row.n);
    const placed = await placing;
    expect(placed.failed).toEqual([]);
    const committed = await db.committed();
    expect(committed).toEqual(placed.committed);
    expect(committed.every(commits)).toBe(true);

    await untilAllDelivered(records, prefix, committed, db, 180_000);
    await Promise.all([writer.stop(), consumer.stop()]);

    const delivered = await outcome(records, prefix, server.url, PARTITIONS);
    const remote = compare(committed, delivered.remote);
    const local = compare(committed, delivered.local);
    const stream = compare(committed, delivered.stream);
    for (const seen of [stream, remote, local]) {
      expect(seen.missing).toEqual([]);
      expect(seen.uncommitted).toEqual([]);
      expect(seen.duplicates.length).toBeLessThanOrEqual(BATCH_SIZE);
      expect(seen.duplicates.filter((n) => !held.includes(n))).toEqual([]);
    }
    report('two relays, one killed mid-batch', {
      committed: committed.length,
      heldByKilledRelay: held.length,
      duplicates: {
        published: stream.duplicates.length,
        remote: remote.duplicates.length,
        local: local.duplicates.length,
      },
    });
  }, 300_000);
});
