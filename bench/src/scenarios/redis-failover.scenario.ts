import type { Redis } from 'ioredis';
import { median } from '../harness';
import { monotonicMs, orderPayload, payloadOf } from '../redis/bench-event';
import { ChildHandle, stopAll } from '../redis/child-handle';
import { notMeasured } from '../redis/not-measured';
import { closeOurs, OrderPlaced, oursBus, oursStreamKey } from '../redis/ours-bus';
import { pace } from '../redis/pacer';
import { rawClient, redisUp, withPrefix } from '../redis/shared-redis';
import { reported, target, type RunSettings, type ScenarioResult, type TargetResult } from '../scenario';

const CLAIM_IDLE_MS = 1_000;
const CLAIM_INTERVAL_MS = 250;
const HANDLER_MS = 10;
const RATE = 2_500;
const SERVICE = 'bench-failover';
const LIMIT_MS = 2_000;
const TITLE = 'redis failover: kill -9 of one of three consumer processes mid-stream';

/** What one round saw. */
interface RoundReport {
  /** Entries the killed consumer held (its pending list right after it died). */
  orphans: number;
  /** From the kill to the last orphan handled by a surviving consumer, ms. */
  lastOrphanMs: number;
  /** Distinct events handled, of `events`. */
  handled: number;
  /** Handler runs beyond one per event. */
  duplicates: number;
}

/**
 * Three consumer processes of one service share the stream; the bench publishes at a steady rate and kills one
 * consumer with SIGKILL halfway. The orphans are what the killed consumer had read and not acknowledged; the
 * figure is how long after the kill the last of them was handled by a survivor (claimed after claimIdleMs).
 */
export async function redisFailoverScenario(settings: RunSettings): Promise<ScenarioResult> {
  if (!(await redisUp())) return notMeasured('redis-failover', TITLE, failoverTargets(NaN, NaN));
  const events = settings.quick ? 1_000 : 10_000;
  const rounds = settings.quick ? 1 : 5;
  return withPrefix('failover', async (prefix) => {
    const reports: RoundReport[] = [];
    for (let round = 0; round < rounds; round++) {
      reports.push(await failoverRound(`${prefix}:r${round}`, events));
    }
    // A round whose killed consumer happened to hold nothing has no orphan to time.
    const timed = reports.filter((r) => r.orphans > 0).map((r) => r.lastOrphanMs);
    const worst = timed.length === 0 ? NaN : Math.max(...timed);
    const handledAll = reports.every((r) => r.handled === events);
    const rows = [
      { candidate: 'last orphan handled after the kill, ms (median over rounds)', value: median(timed) },
      { candidate: 'last orphan handled after the kill, ms (worst round)', value: worst },
      { candidate: 'orphans per kill (median)', value: median(reports.map((r) => r.orphans)) },
      {
        candidate: 'duplicate handler runs per kill (median)',
        value: median(reports.map((r) => r.duplicates)),
      },
    ];
    return {
      id: 'redis-failover',
      title: TITLE,
      unit: 'per round',
      rows,
      targets: failoverTargets(worst, handledAll ? events : Math.min(...reports.map((r) => r.handled))),
      notes: [
        `Transport settings: claimIdleMs ${CLAIM_IDLE_MS}, claimIntervalMs ${CLAIM_INTERVAL_MS}, the rest at ` +
          `their defaults (maxInFlight 32, heartbeat every claimIdleMs / 3). The handler waits ${HANDLER_MS} ms ` +
          `(I/O), so each consumer holds entries when the kill comes. Per round: orphans ` +
          `${reports.map((r) => r.orphans).join(', ')}; last orphan handled ` +
          `${reports.map((r) => r.lastOrphanMs.toFixed(0)).join(', ')} ms after the kill; duplicates ` +
          `${reports.map((r) => r.duplicates).join(', ')} (at most the orphans: an orphan the killed process had ` +
          `handled but not acknowledged runs again). The target is judged on the worst round. An orphan can be ` +
          `claimed only once it has been idle claimIdleMs since its last read or heartbeat, and claims run every ` +
          `claimIntervalMs: the floor is about claimIdleMs, the ceiling about claimIdleMs + claimIntervalMs + ` +
          `the handler.`,
      ],
      procedure:
        `${rounds} round(s), each with three fresh consumer processes on a new stream: ` +
        `${events.toLocaleString('en-US')} events published by a bus in the bench process at ` +
        `${RATE.toLocaleString('en-US')}/s, one consumer killed (SIGKILL to its pid) once half were sent; the ` +
        `killed consumer's pending entries read with XPENDING right after it exited; times on the machine's ` +
        `monotonic clock, which all the processes share.`,
    };
  });
}

function failoverTargets(worstMs: number, handled: number): TargetResult[] {
  return [
    target(
      `redis failover: last orphan handled <= ${LIMIT_MS} ms after kill -9`,
      worstMs,
      '<=',
      LIMIT_MS,
      'ms',
    ),
    reported('redis failover: distinct events handled (every event, every round)', handled, 'events'),
  ];
}

async function failoverRound(prefix: string, events: number): Promise<RoundReport> {
  const args = [prefix, SERVICE, CLAIM_IDLE_MS, CLAIM_INTERVAL_MS, HANDLER_MS].map(String);
  const consumers = [0, 1, 2].map(() => new ChildHandle('redis-failover.child.js', args));
  const publisher = oursBus(prefix, 'bench-failover-publisher');
  const commands = rawClient();
  /** seq -> handling times, by consumer index. */
  const handled = consumers.map(() => new Map<number, number[]>());
  consumers.forEach((child, i) =>
    child.onMessage('handled', (m) => {
      const seq = Number(m.seq);
      handled[i].set(seq, [...(handled[i].get(seq) ?? []), Number(m.at)]);
    }),
  );
  try {
    const names = (await Promise.all(consumers.map((c) => c.next('ready')))).map((m) => String(m.consumer));
    await publisher.transport.publish([]);
    let halfway!: () => void;
    const half = new Promise<void>((resolve) => (halfway = resolve));
    const publishing = pace(RATE, events, (first, count) => {
      for (let i = first; i < first + count; i++) publisher.bus.emit(OrderPlaced, orderPayload(i));
      if (first + count >= events / 2) halfway();
    });
    await half;
    const killedAt = monotonicMs();
    await consumers[0].crash();
    const orphans = await orphanSeqs(commands, oursStreamKey(prefix), names[0]);
    await publishing;
    await publisher.bus.drain();
    const survivors = handled.slice(1);
    const firstAfterKill = (seq: number) =>
      Math.min(...survivors.flatMap((h) => h.get(seq) ?? []).filter((at) => at >= killedAt));
    const distinct = () => new Set(handled.flatMap((h) => [...h.keys()])).size;
    const deadline = Date.now() + 30_000;
    while (distinct() < events || orphans.some((seq) => !Number.isFinite(firstAfterKill(seq)))) {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const runs = handled.reduce(
      (sum, h) => sum + [...h.values()].reduce((s, times) => s + times.length, 0),
      0,
    );
    return {
      orphans: orphans.length,
      lastOrphanMs:
        orphans.length === 0 ? NaN : Math.max(...orphans.map((seq) => firstAfterKill(seq) - killedAt)),
      handled: distinct(),
      duplicates: runs - distinct(),
    };
  } finally {
    commands.disconnect();
    await closeOurs(publisher);
    await stopAll(consumers);
  }
}

/** The payload seqs of the entries `consumer` held when it died (its pending list). */
async function orphanSeqs(client: Redis, key: string, consumer: string): Promise<number[]> {
  const pending = (await client.xpending(key, SERVICE, '-', '+', 10_000, consumer)) as [
    string,
    ...unknown[],
  ][];
  if (pending.length === 0) return [];
  const pipeline = client.pipeline();
  for (const [id] of pending) pipeline.xrange(key, id, id);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([, entries]) => {
    const fields = (entries as [string, string[]][])[0][1];
    return payloadOf(fields[fields.indexOf('body') + 1]).seq;
  });
}
