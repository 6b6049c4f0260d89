import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import type { LatencyDatabase } from '../outbox/latency-apps';
import { ChildHandle, stopAll } from '../redis/child-handle';
import { median } from '../harness';
import { percentile } from '../redis/rounds';
import { redisUp, withPrefix } from '../redis/shared-redis';
import {
  target,
  type ResultRow,
  type RunSettings,
  type ScenarioResult,
  type TargetResult,
} from '../scenario';
import { DATABASE_URL, postgresUp } from '../postgres';

const TITLE = 'transactional outbox: commit -> published, writer and relay in two processes';
/** Commits per second of each writer: one transaction at a time, as a steady trickle of requests would. */
const RATE = 50;
const POLL_MS = 250;
/** The target's slack over the wake-up: NOTIFY's, or the poll interval's. */
const SLACK_MS = 50;

/** A writer process and the relay process that publishes what it commits. */
interface Pair {
  readonly name: string;
  readonly writer: ChildHandle;
  readonly relay: ChildHandle;
  /** Latencies of each counted round, in ms. */
  readonly rounds: number[][];
}

const NOTIFY = 'PostgreSQL, NOTIFY';
const PG_POLL = `PostgreSQL, NOTIFY off (poll ${POLL_MS} ms)`;
const SQLITE_POLL = `SQLite across processes (poll ${POLL_MS} ms)`;

/**
 * Time from a transaction's commit (as the writing code sees it return) to the event's publish through
 * RedisStreamsTransport by a relay in another process, which learns of the commit by PostgreSQL NOTIFY, or only by
 * polling: NOTIFY off on PostgreSQL, and SQLite (no notifications across processes). Side by side, in rounds.
 */
export async function outboxLatencyScenario(settings: RunSettings): Promise<ScenarioResult> {
  const postgres = await postgresUp();
  if (!postgres || !(await redisUp())) {
    return {
      id: 'outbox-latency',
      title: TITLE,
      unit: 'ms',
      rows: [],
      targets: latencyTargets(NaN, NaN, NaN),
      notes: [`PostgreSQL at ${DATABASE_URL} or the shared Redis did not answer: nothing was measured.`],
      procedure: 'Not run.',
    };
  }
  const perRound = settings.quick ? 20 : 200;
  const [rounds, warmup] = settings.quick ? [1, 0] : [5, 1];
  const schemas = [`outbox_latency_notify_${process.pid}`, `outbox_latency_poll_${process.pid}`];
  const dir = mkdtempSync(join(tmpdir(), 'outbox-latency-'));
  await adminQuery(schemas.map((schema) => `CREATE SCHEMA IF NOT EXISTS "${schema}"`));
  try {
    return await withPrefix('outbox-latency', async (prefix) => {
      const pair = (
        name: string,
        database: LatencyDatabase,
        mode: 'notify' | 'poll',
        pollMs: number,
      ): Pair => {
        const db = JSON.stringify(database);
        return {
          name,
          writer: new ChildHandle('outbox-writer.child.js', [db]),
          relay: new ChildHandle('outbox-relay.child.js', [
            db,
            `${prefix}:${mode}:${database.kind}`,
            mode,
            String(pollMs),
          ]),
          rounds: [],
        };
      };
      const pairs = [
        // NOTIFY wakes the relay; the poll is the relay's default safety net.
        pair(NOTIFY, { kind: 'postgres', schema: schemas[0] }, 'notify', 1_000),
        pair(PG_POLL, { kind: 'postgres', schema: schemas[1] }, 'poll', POLL_MS),
        pair(SQLITE_POLL, { kind: 'sqlite', file: join(dir, 'app.db') }, 'poll', POLL_MS),
      ];
      const children = pairs.flatMap((p) => [p.writer, p.relay]);
      try {
        // Writers first: each creates its tables (TypeORM synchronize, the outbox's prepare) before its relay.
        await Promise.all(pairs.map((p) => p.writer.next('ready', 120_000)));
        await Promise.all(pairs.map((p) => p.relay.next('ready', 120_000)));
        for (let round = 0; round < warmup + rounds; round++) {
          for (let k = 0; k < pairs.length; k++) {
            const { writer, relay, rounds: counted } = pairs[(round + k) % pairs.length];
            const ran = await writer.request({ kind: 'run', rate: RATE, count: perRound }, 'ran', 120_000);
            const latencies = await collect(relay, ran.commits as [string, number][]);
            if (round >= warmup) counted.push(latencies);
          }
        }
      } finally {
        await stopAll(children);
      }
      return result(pairs, perRound, rounds, warmup);
    });
  } finally {
    await adminQuery(schemas.map((schema) => `DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    rmSync(dir, { recursive: true, force: true });
  }
}

function result(pairs: readonly Pair[], perRound: number, rounds: number, warmup: number): ScenarioResult {
  /** The median over counted rounds of each round's percentile `p`. */
  const over = (pair: Pair, p: number) => median(pair.rounds.map((latencies) => percentile(latencies, p)));
  const byName = new Map(pairs.map((pair) => [pair.name, pair]));
  const p99 = (name: string) => over(byName.get(name)!, 99);
  const rows: ResultRow[] = pairs.flatMap((pair) => [
    { candidate: `${pair.name} p50`, value: over(pair, 50) },
    { candidate: `${pair.name} p99`, value: over(pair, 99) },
    { candidate: `${pair.name} max`, value: over(pair, 100) },
  ]);
  return {
    id: 'outbox-latency',
    title: TITLE,
    unit: 'ms',
    rows,
    targets: latencyTargets(p99(NOTIFY), p99(PG_POLL), p99(SQLITE_POLL)),
    notes: [
      'Latency = the monotonic clock (CLOCK_MONOTONIC, common to both processes) when the relay process has ' +
        "published the event (its `local: true` listener, which the relay runs once the transport's XADD " +
        'returned) - when the writing process saw its `@Transactional()` method return (committed). The writer ' +
        '(TypeORM, `transactionalOutbox(new TransactionalAdapterTypeOrm(...))`, `outbox.relay: false`) has no ' +
        'relay, so nothing wakes a relay in its process: with NOTIFY the relay hears of the commit from ' +
        `PostgreSQL (pg_notify in the transaction), else only from its poll (every ${POLL_MS} ms). Percentiles ` +
        `per round over its ${perRound} events, then the median over rounds.`,
    ],
    procedure:
      `${rounds} counted rounds after ${warmup} warm-up round(s), the three writer/relay pairs taking turns (the ` +
      `first of a round rotates); in each, the writer commits ${perRound} transactions of one order and its ` +
      `event, one at a time at ${RATE}/s, and the round ends when its relay has published all of them.`,
  };
}

function latencyTargets(notify: number, pgPoll: number, sqlitePoll: number): TargetResult[] {
  return [
    target(`outbox commit -> published p99 <= ${SLACK_MS} ms with NOTIFY`, notify, '<=', SLACK_MS, 'ms'),
    target(
      `outbox commit -> published p99 <= poll interval + ${SLACK_MS} ms without NOTIFY (PostgreSQL)`,
      pgPoll,
      '<=',
      POLL_MS + SLACK_MS,
      'ms',
    ),
    target(
      `outbox commit -> published p99 <= poll interval + ${SLACK_MS} ms without NOTIFY (SQLite across processes)`,
      sqlitePoll,
      '<=',
      POLL_MS + SLACK_MS,
      'ms',
    ),
  ];
}

/** Takes the relay's publish times until every commit of the round is published (60 s at most); the latencies. */
async function collect(relay: ChildHandle, commits: readonly [string, number][]): Promise<number[]> {
  const committedAt = new Map(commits);
  const latencies: number[] = [];
  const deadline = Date.now() + 60_000;
  while (latencies.length < commits.length) {
    if (Date.now() > deadline) {
      throw new Error(`outbox-latency: ${latencies.length} of ${commits.length} events published.`);
    }
    await sleep(50);
    const reply = await relay.request({ kind: 'collect' }, 'published');
    for (const [id, at] of reply.values as [string, number][]) {
      const committed = committedAt.get(id);
      if (committed === undefined) throw new Error(`outbox-latency: event ${id} published twice or unknown.`);
      committedAt.delete(id);
      latencies.push(at - committed);
    }
  }
  return latencies;
}

async function adminQuery(statements: readonly string[]): Promise<void> {
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  try {
    for (const sql of statements) await pool.query(sql);
  } finally {
    await pool.end();
  }
}
