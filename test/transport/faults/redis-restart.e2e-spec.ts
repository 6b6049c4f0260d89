/**
 * Fault test, real processes: a redis-server of the test's own (append-only file, fsync always) is stopped with
 * SIGKILL for 10 s and started again in the same directory, while two publisher processes emit a steady stream
 * and a consumer process consumes. Proves that with a publish buffer larger than the outage every event emitted is
 * handled once Redis is back, that the consumer resumes within seconds, and that past the buffer bound each lost
 * event is counted (`stats().dropped`) and announced on the bus (`event.publish.failed`, one per event): emitted =
 * handled + announced, with nothing in both and nothing in neither. Never touches the shared Redis's server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '../../support/redis-prefix';
import { startRedisServer, stopRedisServer, type OwnRedisServer } from '../../support/redis-server';
import { delay, eventually } from '../../support/wait';
import { FaultProcess, killAll } from './support/fault-process';
import { childSettings, readRecords, report, type Handled } from './support/fault-harness';

const OUTAGE_MS = 10_000;
const SETTINGS = { claimIdleMs: 2_000, claimIntervalMs: 250, blockMs: 500 };
/** Each publisher emits one event every 5 ms for this long: the outage falls inside. */
const PUBLISH_MS = OUTAGE_MS + 6_000;

describe('fault: Redis stopped for 10 s and restarted under publishing load', () => {
  const prefix = uniquePrefix('fault-restart');
  const dir = mkdtempSync(join(tmpdir(), 'redis-restart-'));
  const redis = new Redis(SHARED_REDIS_URL);
  const children: FaultProcess[] = [];
  let server: OwnRedisServer | undefined;

  afterAll(async () => {
    await killAll(children);
    if (server) await stopRedisServer(server);
    rmSync(dir, { recursive: true, force: true });
    await deletePrefix(prefix);
    redis.disconnect();
  });

  it('loses nothing within the publish buffer, and announces every event lost past it', async () => {
    server = await startRedisServer(undefined, { durableDir: dir });
    const start = (name: string, extra: Record<string, unknown>, buffer?: number) => {
      const transport =
        buffer === undefined ? SETTINGS : { ...SETTINGS, publishBuffer: { maxEvents: buffer } };
      const settings = childSettings(prefix, name, transport, { redisUrl: server!.url, extra });
      const child = new FaultProcess('redis-restart.fixture.ts', settings);
      children.push(child);
      return child;
    };
    const publishing = { pauseMs: 5, durationMs: PUBLISH_MS };
    const consumer = start('sink', { role: 'consumer' });
    await consumer.ready();
    const big = start('big', { lane: 'big', ...publishing }, 10_000);
    const small = start('small', { lane: 'small', ...publishing }, 300);
    await Promise.all([big.ready(), small.ready()]);

    await delay(2_000);
    const port = server.port;
    await stopRedisServer(server);
    const stoppedAt = Date.now();
    await delay(OUTAGE_MS);
    server = await startRedisServer(port, { durableDir: dir });
    const restartedAt = Date.now();
    await Promise.all([big.waitFor(/^published /, 60_000), small.waitFor(/^published /, 60_000)]);

    const lane = async (name: string) => ({
      emitted: await readRecords(redis, prefix, `emitted:${name}`),
      lost: await readRecords(redis, prefix, `lost:${name}`),
    });
    const handledIds = async () =>
      new Set((await readRecords(redis, prefix, 'handled')).map((r) => r.words[1]));
    const settled = async (name: string) => {
      const { emitted, lost } = await lane(name);
      const handled = await handledIds();
      const gone = new Set(lost.map((r) => r.words[0]));
      return emitted.every((r) => handled.has(r.words[0]) || gone.has(r.words[0]));
    };
    await eventually(async () => (await settled('big')) && (await settled('small')), 60_000, 250);
    const exits = await Promise.all(children.map((child) => child.stop()));

    const handled = await handledIds();
    const bigLane = await lane('big');
    const smallLane = await lane('small');
    const ids = (records: readonly Handled[]) => records.map((r) => r.words[0]);
    const firstBack = Math.min(
      ...(await readRecords(redis, prefix, 'handled')).filter((r) => r.at >= restartedAt).map((r) => r.at),
    );
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0]);
    expect(bigLane.lost).toEqual([]);
    expect(ids(bigLane.emitted).filter((id) => !handled.has(id))).toEqual([]);
    expect(big.stats().dropped).toBe(0);
    expect(smallLane.lost.length).toBeGreaterThan(0);
    expect(small.stats().dropped).toBe(smallLane.lost.length);
    expect(ids(smallLane.lost).filter((id) => handled.has(id))).toEqual([]);
    expect(new Set(ids(smallLane.lost)).size).toBe(smallLane.lost.length);
    expect(consumer.stats().reconnects).toBeGreaterThan(0);
    expect(firstBack - restartedAt).toBeLessThan(15_000);
    report('Redis stopped for 10 s and restarted', {
      outageMs: restartedAt - stoppedAt,
      bigBuffer: { emitted: bigLane.emitted.length, lost: 0 },
      smallBuffer: { emitted: smallLane.emitted.length, lostAndAnnounced: smallLane.lost.length },
      consumerResumedMs: firstBack - restartedAt,
      handled: handled.size,
    });
  }, 120_000);
});
