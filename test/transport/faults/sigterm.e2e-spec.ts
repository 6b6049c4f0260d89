/**
 * Fault test, real processes: three consumer processes of one service under a steady load (4,000 events, some of
 * them slower than the shutdown budget); two get SIGTERM mid-stream. Proves a graceful stop loses nothing: each
 * stopped process exits (code 0) within its budget (one BLOCK + the transport's shutdownTimeoutMs + the bus's
 * drain + a grace), hands back what it had not finished, a peer handles those at once (claimIdleMs is far longer
 * than the test, so only a hand-back lets the peer take them), and every event is handled; nothing stays pending.
 * Reports each exit time and the duplicates (deliveries that finished in the stopping process after the hand-back).
 */
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { eventually, until } from '../../support/wait';
import { testTransport } from '../support/transport-harness';
import { FaultProcess, killAll } from './support/fault-process';
import {
  childSettings,
  missingOf,
  pendingCount,
  publishTicks,
  readRecords,
  report,
  timesHandled,
  watchHandBacks,
} from './support/fault-harness';

const EVENTS = 4_000;
const BLOCK_MS = 500;
const SHUTDOWN_MS = 1_000;
/** The bus's own drain after the transport closed (the fixture's module option). */
const DRAIN_MS = 1_000;
const GRACE_MS = 5_000;
const SETTINGS = {
  claimIdleMs: 60_000,
  claimIntervalMs: 250,
  blockMs: BLOCK_MS,
  shutdownTimeoutMs: SHUTDOWN_MS,
  maxInFlight: 32,
};

describe('fault: SIGTERM during load', () => {
  const prefix = uniquePrefix('fault-sigterm');
  const stream = `${prefix}:{main}`;
  const redis = new Redis(SHARED_REDIS_URL);
  const children: FaultProcess[] = [];
  const { transport: publisher } = testTransport(prefix);
  const handled = () => redis.llen(`${prefix}:handled`);

  afterAll(async () => {
    await killAll(children);
    await publisher.close();
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('stops two of three consumers gracefully; a peer takes what they handed back; nothing is lost', async () => {
    for (const name of ['a', 'b', 'c']) {
      const extra = { workMs: 5, slowEvery: 40, slowMs: 2 * SHUTDOWN_MS + 500 };
      children.push(new FaultProcess('sigterm.fixture.ts', childSettings(prefix, name, SETTINGS, { extra })));
    }
    const [a, b, peer] = children;
    const names = await Promise.all(children.map((child) => child.ready()));
    const publishing = publishTicks(publisher, EVENTS, { batch: 40, pauseMs: 30 });

    await until(async () => (await handled()) >= EVENTS * 0.25, 60_000);
    const termA = a.signal('SIGTERM');
    const backFromA = watchHandBacks(redis, stream, 'workers', names[0], a.exited);
    await until(async () => (await handled()) >= EVENTS * 0.5, 60_000);
    const termB = b.signal('SIGTERM');
    const backFromB = watchHandBacks(redis, stream, 'workers', names[1], b.exited);
    const [exitA, exitB] = await Promise.all([a.exited, b.exited]);
    const watched = [
      ...(await backFromA).map((entry) => ({ ...entry, from: 'a' })),
      ...(await backFromB).map((entry) => ({ ...entry, from: 'b' })),
    ];
    await publishing;
    await eventually(
      async () => missingOf(await readRecords(redis, prefix, 'handled'), EVENTS).length === 0,
      60_000,
    );
    await until(async () => (await pendingCount(redis, stream, 'workers')) === 0, 10_000);

    const records = await readRecords(redis, prefix, 'handled');
    const times = timesHandled(records);
    const budget = BLOCK_MS + SHUTDOWN_MS + DRAIN_MS + GRACE_MS;
    const handedBack = [a, b].map((child) =>
      child.lines(/^log Handed back (\d+)/).reduce((sum, line) => sum + Number(line.split(' ')[3]), 0),
    );
    expect([exitA.code, exitB.code]).toEqual([0, 0]);
    expect(exitA.at - termA).toBeLessThan(budget);
    expect(exitB.at - termB).toBeLessThan(budget);
    expect(missingOf(records, EVENTS)).toEqual([]);
    expect(handedBack[0] + handedBack[1]).toBeGreaterThan(0);
    expect(peer.alive).toBe(true);
    // What the watch saw handed back, another consumer started after the hand-back (b, too, until it stops).
    const byPeer = (entry: (typeof watched)[number]) =>
      records.find((r) => r.n === entry.n && r.child !== entry.from && r.at >= entry.at);
    expect(watched.filter((entry) => byPeer(entry) === undefined)).toEqual([]);
    report('SIGTERM two of three consumers under load', {
      events: EVENTS,
      exitMs: [exitA.at - termA, exitB.at - termB],
      closeMs: [a.stats().closeMs, b.stats().closeMs],
      handedBack,
      handBackToPeerStartMs: Math.max(0, ...watched.map((entry) => byPeer(entry)!.at - entry.at)),
      watchedHandBacks: watched.length,
      duplicates: [...times.values()].filter((count) => count > 1).length,
      handledBy: Object.fromEntries(
        ['a', 'b', 'c'].map((c) => [c, records.filter((r) => r.child === c).length]),
      ),
    });
  }, 120_000);
});
