/**
 * Fault test, real processes: two consumer processes of one service take 30 events whose handler runs three
 * times claimIdleMs, with a claim pass every 250 ms. Proves the heartbeat keeps a live consumer's entries: no
 * entry is claimed, every event starts exactly once (0 duplicate deliveries) and finishes, and nothing stays
 * pending.
 */
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { eventually, until } from '../../support/wait';
import { testTransport } from '../support/transport-harness';
import { FaultProcess, killAll } from './support/fault-process';
import {
  childSettings,
  pendingCount,
  publishTicks,
  readRecords,
  report,
  timesHandled,
} from './support/fault-harness';

const EVENTS = 30;
const CLAIM_IDLE_MS = 1_000;
const SETTINGS = { claimIdleMs: CLAIM_IDLE_MS, claimIntervalMs: 250, blockMs: 500, maxInFlight: 8 };

describe('fault: a slow handler with heartbeat is not stolen', () => {
  const prefix = uniquePrefix('fault-slow');
  const stream = `${prefix}:{main}`;
  const redis = new Redis(SHARED_REDIS_URL);
  const children: FaultProcess[] = [];
  const { transport: publisher } = testTransport(prefix);

  afterAll(async () => {
    await killAll(children);
    await publisher.close();
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('runs each of 30 slow events once across two consumers; nothing is claimed', async () => {
    for (const name of ['a', 'b']) {
      const settings = childSettings(prefix, name, SETTINGS, { extra: { workMs: 3 * CLAIM_IDLE_MS } });
      children.push(new FaultProcess('slow-handler.fixture.ts', settings));
    }
    await Promise.all(children.map((child) => child.ready()));
    const started = Date.now();
    await publishTicks(publisher, EVENTS, { batch: EVENTS, pauseMs: 0 });

    const done = async () =>
      (await readRecords(redis, prefix, 'handled')).filter((r) => r.words[0] === 'done');
    await eventually(async () => (await done()).length >= EVENTS, 60_000);
    await until(async () => (await pendingCount(redis, stream, 'reports')) === 0, 10_000);
    const exits = await Promise.all(children.map((child) => child.stop()));
    const records = await readRecords(redis, prefix, 'handled');
    const starts = timesHandled(records.filter((r) => r.words[0] === 'start'));

    expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
    expect(starts.size).toBe(EVENTS);
    expect(Math.max(...starts.values())).toBe(1);
    expect((await done()).length).toBe(EVENTS);
    expect(children.map((child) => child.stats().claimed)).toEqual([0, 0]);
    expect(children.flatMap((child) => child.lines(/Claimed \d+ entries/))).toEqual([]);
    expect(children.every((child) => child.stats().consumed > 0)).toBe(true);
    report('slow handler (3 x claimIdleMs) with heartbeat', {
      events: EVENTS,
      handlerMs: 3 * CLAIM_IDLE_MS,
      duplicates: [...starts.values()].filter((count) => count > 1).length,
      claimed: 0,
      allDoneMs: Date.now() - started,
    });
  }, 90_000);
});
