/**
 * Fault test, real processes: two services share a stream that is trimmed every 100 ms by age (maxAgeMs 300).
 * `shipping`'s only consumer is killed (SIGKILL) mid-stream, holding entries, and stays down while 10,000 more
 * events are published and `billing` handles them all. Proves the age trim never cuts below what a stopped group
 * has not acknowledged: once restarted, shipping gets every event (the dead consumer's pending ones by claim, the
 * unread ones by reading), XAUTOCLAIM finds no deleted id (lostToTrim 0, no warning), and once both groups caught
 * up the trim empties the stream. (A `retention.maxLength` below the backlog would cut it anyway, by design: the
 * safety valve; redis-transport.retention.e2e-spec.ts covers that.)
 */
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { eventually, until } from '../../support/wait';
import { testTransport } from '../support/transport-harness';
import { FaultProcess, killAll } from './support/fault-process';
import {
  childSettings,
  killWhileHolding,
  missingOf,
  publishTicks,
  readRecords,
  report,
} from './support/fault-harness';

const FIRST = 2_000;
const WHILE_STOPPED = 10_000;
const EVENTS = FIRST + WHILE_STOPPED;
const SETTINGS = {
  claimIdleMs: 1_000,
  claimIntervalMs: 250,
  blockMs: 500,
  retention: { maxAgeMs: 300, intervalMs: 100 },
};

describe('fault: a stopped group plus trimming', () => {
  const prefix = uniquePrefix('fault-stopped');
  const stream = `${prefix}:{main}`;
  const redis = new Redis(SHARED_REDIS_URL);
  const children: FaultProcess[] = [];
  const { transport: publisher } = testTransport(prefix);
  const start = (service: string, name: string) => {
    const child = new FaultProcess(
      'stopped-group.fixture.ts',
      childSettings(prefix, name, SETTINGS, { extra: { service } }),
    );
    children.push(child);
    return child;
  };
  const handled = (service: string) => readRecords(redis, prefix, `handled:${service}`);

  afterAll(async () => {
    await killAll(children);
    await publisher.close();
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('gives a restarted group every event the trim kept for it', async () => {
    const billing = start('billing', 'billing-1');
    const shipping = start('shipping', 'shipping-1');
    const shippingName = (await Promise.all([billing.ready(), shipping.ready()]))[1];
    const first = publishTicks(publisher, FIRST, { batch: 50, pauseMs: 10 });
    await until(async () => (await redis.llen(`${prefix}:handled:shipping`)) >= FIRST / 2, 30_000);
    const holds = async () =>
      (await redis.xpending(stream, 'shipping', '-', '+', 1, shippingName)).length > 0;
    await killWhileHolding(shipping, holds);
    await shipping.exited;
    const held = Number((await redis.xpending(stream, 'shipping'))[0]);
    await first;

    await publishTicks(publisher, WHILE_STOPPED, { batch: 200, pauseMs: 5, from: FIRST });
    await eventually(async () => missingOf(await handled('billing'), EVENTS).length === 0, 60_000);
    await until(() => billing.lines(/^log Trimmed \d+ entries/).length > 0, 10_000);
    const lengthWhileStopped = await redis.xlen(stream);
    const unacked = EVENTS - new Set((await handled('shipping')).map((r) => r.n)).size;

    const restarted = start('shipping', 'shipping-2');
    await restarted.ready();
    await eventually(async () => missingOf(await handled('shipping'), EVENTS).length === 0, 60_000);
    await until(async () => (await redis.xlen(stream)) === 0, 15_000);
    const [billingExit, shippingExit] = await Promise.all([billing.stop(), restarted.stop()]);

    expect([billingExit.code, shippingExit.code]).toEqual([0, 0]);
    expect(held).toBeGreaterThan(0);
    expect(lengthWhileStopped).toBeGreaterThanOrEqual(unacked);
    expect(restarted.stats().claimed).toBeGreaterThanOrEqual(held);
    expect(restarted.stats().lostToTrim).toBe(0);
    expect(billing.stats().lostToTrim).toBe(0);
    expect(billing.stats().trimmedByCap + restarted.stats().trimmedByCap).toBe(0);
    expect(children.flatMap((child) => child.lines(/no longer in the stream/))).toEqual([]);
    report('stopped group plus trimming', {
      events: EVENTS,
      heldByKilledShipping: held,
      notYetAcknowledgedByShipping: unacked,
      streamLengthWhileStopped: lengthWhileStopped,
      trimmed: billing.stats().trimmed + restarted.stats().trimmed,
      lostToTrim: 0,
    });
  }, 150_000);
});
