/**
 * Fault tests, real processes: poison events.
 * - A handler that always throws (two tries in process per delivery, three durable rounds, two consumer processes):
 *   proves it is called exactly 2 x 3 times in all, then one dead letter holds the event, the handler, the error and
 *   the attempts, announced once on the bus; the entry is acknowledged and nothing stays pending or scheduled.
 * - A handler that kills its process (SIGKILL itself), restarted in a loop by the test as a supervisor would:
 *   proves the entry runs exactly maxDeliveries times, is then dead-lettered without running again (handler `*`,
 *   MaxDeliveriesExceeded), and the process restarted after that stays up and handles new events: no crash loop.
 */
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { delay, eventually } from '../../support/wait';
import { makeEvent, testTransport } from '../support/transport-harness';
import { FaultProcess, killAll } from './support/fault-process';
import {
  childSettings,
  missingOf,
  pendingCount,
  publishTicks,
  readRecords,
  report,
} from './support/fault-harness';

/** The fields of each entry of a stream. */
async function entries(redis: Redis, key: string): Promise<Map<string, string>[]> {
  const rows = (await redis.xrange(key, '-', '+')) as [string, string[]][];
  return rows.map(([, fields]) => {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
    return map;
  });
}

describe('fault: poison events', () => {
  const redis = new Redis(SHARED_REDIS_URL);
  const children: FaultProcess[] = [];
  const prefixes: string[] = [];
  const publisherFor = (prefix: string) => {
    prefixes.push(prefix);
    return testTransport(prefix).transport;
  };
  const poison = makeEvent('fault.tick', { n: 0, lane: 'poison' });

  afterEach(async () => {
    await killAll(children.splice(0));
  });
  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => deletePrefix(prefix)));
    redis.disconnect();
  });

  it('a handler that throws: exactly attempts x rounds calls, then one dead letter; nothing pending', async () => {
    const prefix = uniquePrefix('fault-poison-throws');
    const stream = `${prefix}:{main}`;
    const publisher = publisherFor(prefix);
    const settings = { claimIntervalMs: 250, blockMs: 500, redelivery: { attempts: 3, delayMs: 100 } };
    for (const name of ['a', 'b']) {
      children.push(new FaultProcess('poison-throws.fixture.ts', childSettings(prefix, name, settings)));
    }
    await Promise.all(children.map((child) => child.ready()));
    await publisher.publish([poison]);
    await publishTicks(publisher, 20, { batch: 20, lane: 'ok', from: 1 });

    await eventually(async () => (await redis.xlen(`${stream}:dlq:billing`)) === 1, 30_000);
    await eventually(async () => (await redis.llen(`${prefix}:announced`)) === 1, 10_000);
    await delay(1_000); // time for any call past the last round to show
    const calls = await readRecords(redis, prefix, 'calls');
    const [letter] = await entries(redis, `${stream}:dlq:billing`);
    const announced = await readRecords(redis, prefix, 'announced');

    expect(calls.filter((call) => call.n === 0)).toHaveLength(6);
    expect(missingOf(calls, 21)).toEqual([]);
    expect(calls.filter((call) => call.n !== 0)).toHaveLength(20);
    expect(letter.get('handler')).toBe('billing.charge');
    expect(letter.get('attempts')).toBe('6');
    expect(JSON.parse(letter.get('error')!)).toMatchObject({ message: 'card of order 0 declined' });
    expect(letter.get('body')).toBe(JSON.stringify(poison));
    expect(letter.get('type')).toBe('fault.tick');
    expect(announced).toHaveLength(1);
    expect(announced[0].words.slice(0, 2)).toEqual(['billing.charge', '6']);
    expect(await pendingCount(redis, stream, 'billing')).toBe(0);
    expect(await pendingCount(redis, `${stream}:retries:billing`, 'billing')).toBe(0);
    expect(await redis.zcard(`${stream}:schedule:billing`)).toBe(0);
    expect(await redis.xlen(`${stream}:retries:billing`)).toBe(0);
    report('poison that throws', {
      calls: 6,
      deadLetters: 1,
      callsBy: [...new Set(calls.map((c) => c.child))],
    });
    await publisher.close();
  }, 60_000);

  it('a handler that kills its process: dead-lettered after maxDeliveries, no crash loop', async () => {
    const prefix = uniquePrefix('fault-poison-kills');
    const stream = `${prefix}:{main}`;
    const publisher = publisherFor(prefix);
    const settings = { claimIdleMs: 500, claimIntervalMs: 100, blockMs: 500, maxDeliveries: 3 };
    let restarts = 0;
    const supervise = async (): Promise<FaultProcess> => {
      const child = new FaultProcess(
        'poison-kills.fixture.ts',
        childSettings(prefix, `run-${restarts}`, settings),
      );
      children.push(child);
      await child.ready();
      void child.exited.then((exit) => {
        if (exit.signal === 'SIGKILL' && restarts < 10 && children.includes(child)) {
          restarts++;
          void supervise();
        }
      });
      return child;
    };
    await supervise();
    await publisher.publish([poison]);

    await eventually(async () => (await redis.xlen(`${stream}:dlq:crashy`)) === 1, 60_000);
    const [letter] = await entries(redis, `${stream}:dlq:crashy`);
    await delay(2_000); // several claim passes: a crash loop would show here
    await eventually(() => children.some((child) => child.alive), 30_000);
    const last = children.find((child) => child.alive)!;
    await last.ready();
    await publishTicks(publisher, 10, { batch: 10, lane: 'ok', from: 1 });
    await eventually(async () => (await readRecords(redis, prefix, 'runs')).length === 3 + 10, 15_000);
    const runs = await readRecords(redis, prefix, 'runs');

    expect(runs.filter((run) => run.n === 0)).toHaveLength(3);
    expect(restarts).toBe(3);
    expect(last.alive).toBe(true);
    expect(letter.get('handler')).toBe('*');
    expect(JSON.parse(letter.get('error')!)).toMatchObject({ name: 'MaxDeliveriesExceeded' });
    expect(letter.get('attempts')).toBe('4');
    expect(letter.get('body')).toBe(JSON.stringify(poison));
    expect(await pendingCount(redis, stream, 'crashy')).toBe(0);
    expect(last.lines(/delivered 4 times without settling/)).toHaveLength(1);
    report('poison that kills its process', { runs: 3, restarts, deadLetters: 1 });
    await publisher.close();
  }, 90_000);
});
