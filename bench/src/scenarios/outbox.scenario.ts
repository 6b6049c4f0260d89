import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool, type PoolClient } from 'pg';
import {
  OutboxRelay,
  PostgresOutboxStore,
  SqliteOutboxStore,
  type OutboxEntry,
  type OutboxStore,
  type SqlExecutor,
} from 'nestjs-event-bus/outbox';
import { median } from '../harness';
import { ORDER_TYPE, orderPayload, rawBody } from '../redis/bench-event';
import {
  reported,
  target,
  type ResultRow,
  type RunSettings,
  type ScenarioResult,
  type TargetResult,
} from '../scenario';
import { DATABASE_URL, postgresUp } from '../postgres';

/** One database as an application uses it: its own connection, a plain table, and the outbox store. */
interface Backend {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly store: OutboxStore;
  /** One transaction on the application's connection that inserts `event` into a plain table with the same columns. */
  plainTx(event: OutboxEntry): Promise<void>;
  /** The same transaction writing `event` through `store.enqueue` instead. */
  outboxTx(event: OutboxEntry): Promise<void>;
  /** Writes `count` events into the outbox, 1,000 per transaction. */
  fill(count: number): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The outbox's cost in the writing transaction (one event per transaction, against the same transaction inserting
 * the same row into a plain table), and how fast one relay empties the outbox with a no-op deliver.
 */
export async function outboxScenario(settings: RunSettings): Promise<ScenarioResult> {
  const txPerRound = settings.quick ? 20 : 300;
  const rounds = settings.quick ? 2 : 11;
  const relayRows = settings.quick ? 2_000 : 50_000;
  const relayRounds = settings.quick ? 1 : 3;
  const rows: ResultRow[] = [];
  const targets: TargetResult[] = [];
  const notes: string[] = [];
  const backends: Backend[] = [await sqliteBackend()];
  if (await postgresUp()) backends.push(await postgresBackend());
  else
    notes.push(
      `PostgreSQL unreachable at ${DATABASE_URL}: its rows are missing and its targets not measured.`,
    );

  for (const backend of backends) {
    try {
      const insert = await insertCost(backend, txPerRound, rounds);
      rows.push({ candidate: `${backend.name} plain insert, us/tx`, value: median(insert.plain) });
      rows.push({
        candidate: `${backend.name} outbox enqueue, us/tx`,
        value: median(insert.outbox),
        ratio: median(insert.ratios),
      });
      const rates: number[] = [];
      for (let round = 0; round < relayRounds; round++) rates.push(await relayRate(backend, relayRows));
      rows.push({ candidate: `${backend.name} relay, no-op deliver, events/s`, value: median(rates) });
      if (backend.name === 'PostgreSQL') {
        targets.push(
          target('PostgreSQL outbox insert <= 1.3x a plain insert', median(insert.ratios), '<=', 1.3),
        );
        targets.push(target('PostgreSQL relay >= 5000 events/s', median(rates), '>=', 5000, 'events/s'));
      } else {
        targets.push(reported('SQLite outbox insert / a plain insert', median(insert.ratios)));
        targets.push(reported('SQLite relay, events/s', median(rates), 'events/s'));
      }
    } finally {
      await backend.cleanup();
    }
  }
  if (backends.length === 1) {
    targets.push(target('PostgreSQL outbox insert <= 1.3x a plain insert', NaN, '<=', 1.3));
    targets.push(target('PostgreSQL relay >= 5000 events/s', NaN, '>=', 5000, 'events/s'));
  }
  notes.push(
    "The plain table has the outbox row's columns (event_id, type, key, headers, body, created_at) and a bigint " +
      'primary key, no other index; the outbox adds its unique event_id and (key, seq) indexes, the lease and retry ' +
      'columns and, on PostgreSQL, a pg_notify in the transaction.',
  );
  return {
    id: 'outbox',
    title: 'transactional outbox: cost in the writing transaction, relay throughput',
    unit: 'per tx / per s',
    reference: 'plain insert',
    rows,
    targets,
    notes,
    procedure:
      `${rounds} counted rounds after one warm-up round; in each, ${txPerRound} transactions (one event each, ` +
      `sequential on one connection, commits durable) insert into the plain table and ${txPerRound} enqueue into ` +
      `the outbox, taking turns transaction by transaction (the first of each pair alternates); ratio = median of ` +
      `per-round ratios of the summed times. Relay: ${relayRows} rows ` +
      `written beforehand, then one OutboxRelay (batchSize 100, the default) drains them with a no-op deliver ` +
      `(claim + delete per batch); median of ${relayRounds} round(s).`,
  };
}

/**
 * Per-transaction times of both kinds, in µs, one figure per round, and the per-round ratios. The two kinds take
 * turns transaction by transaction (plain then outbox, then outbox then plain...): a commit's time on a shared
 * disk swings by several times within a second, and only transactions this close in time see the same swings.
 */
async function insertCost(
  backend: Backend,
  perRound: number,
  rounds: number,
): Promise<{ plain: number[]; outbox: number[]; ratios: number[] }> {
  let n = 0;
  const timed = async (write: (event: OutboxEntry) => Promise<void>) => {
    const event = benchEntry(n++);
    const started = process.hrtime.bigint();
    await write(event);
    return Number(process.hrtime.bigint() - started) / 1e3;
  };
  const plain: number[] = [];
  const outbox: number[] = [];
  const ratios: number[] = [];
  for (let round = -1; round < rounds; round++) {
    let plainUs = 0;
    let outboxUs = 0;
    for (let i = 0; i < perRound; i++) {
      if (i % 2 === 0) {
        plainUs += await timed((e) => backend.plainTx(e));
        outboxUs += await timed((e) => backend.outboxTx(e));
      } else {
        outboxUs += await timed((e) => backend.outboxTx(e));
        plainUs += await timed((e) => backend.plainTx(e));
      }
    }
    if (round < 0) continue;
    plain.push(plainUs / perRound);
    outbox.push(outboxUs / perRound);
    ratios.push(outboxUs / plainUs);
  }
  return { plain, outbox, ratios };
}

/** Events/s one relay delivers from an outbox holding `count` rows. */
async function relayRate(backend: Backend, count: number): Promise<number> {
  let delivered = 0;
  const relay = new OutboxRelay(backend.store, async () => void delivered++, { listen: false });
  // Rows an earlier step left (the insert-cost transactions) are not part of the count.
  await relay.drain();
  delivered = 0;
  await backend.fill(count);
  const started = performance.now();
  const drained = await relay.drain();
  const seconds = (performance.now() - started) / 1000;
  const left = await backend.store.inspect();
  if (drained !== count || delivered < count || left.rows !== 0) {
    throw new Error(`relay bench: drained ${drained}, delivered ${delivered} of ${count}, ${left.rows} left`);
  }
  return count / seconds;
}

/** A typical event: the Redis scenarios' 300-byte order payload in the bus's envelope, with the codec's headers. */
/** Writes `count` bench events through `enqueue`, 1,000 per transaction. */
async function fillOutbox(
  count: number,
  enqueue: (entries: OutboxEntry[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    await enqueue(Array.from({ length: Math.min(1000, count - i) }, (_, j) => benchEntry(i + j)));
  }
}

function benchEntry(n: number): OutboxEntry {
  const body = rawBody(orderPayload(n), 'bench');
  const { id } = JSON.parse(body) as { id: string };
  return {
    eventId: id,
    type: ORDER_TYPE,
    key: `order-${n % 64}`,
    headers: {
      'event-id': id,
      'event-type': ORDER_TYPE,
      'event-version': '1',
      'correlation-id': id,
      'event-source': 'bench',
      'content-type': 'application/json',
      traceparent: `00-${id.replaceAll('-', '')}-${id.slice(0, 16).replaceAll('-', '0')}-01`,
    },
    body,
  };
}

const PLAIN_COLUMNS = 'event_id, type, key, headers, body';

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-bench-'));
  const file = join(dir, 'app.db');
  const app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.pragma('busy_timeout = 5000');
  app.exec(`CREATE TABLE plain (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL,
    headers TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  const store = new SqliteOutboxStore({ file });
  await store.prepare();
  const plainSql = `INSERT INTO plain (${PLAIN_COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?)`;
  // The application's executor keeps its prepared statements, as ORMs do (TypeORM's statement cache).
  const statements = new Map<string, Database.Statement>();
  const run: SqlExecutor = async (sql, params) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = app.prepare(sql)));
    return statement.run(...params).changes;
  };
  const inTransaction = async (work: () => Promise<unknown>) => {
    app.exec('BEGIN');
    await work();
    app.exec('COMMIT');
  };
  return {
    name: 'SQLite',
    store,
    plainTx: (e) =>
      inTransaction(() =>
        run(plainSql, [e.eventId, e.type, e.key, JSON.stringify(e.headers), e.body, Date.now()]),
      ),
    outboxTx: (e) => inTransaction(() => store.enqueue(run, [e])),
    fill: (count) => fillOutbox(count, (entries) => inTransaction(() => store.enqueue(run, entries))),
    async cleanup() {
      await store.close();
      app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const schema = `outbox_bench_${process.pid}`;
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  const client: PoolClient = await pool.connect();
  await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await client.query(`CREATE TABLE "${schema}".plain (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL, type text NOT NULL, key text NOT NULL, headers jsonb NOT NULL, body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now())`);
  const store = new PostgresOutboxStore({ connection: DATABASE_URL, schema });
  await store.prepare();
  const run: SqlExecutor = async (sql, params) => (await client.query(sql, [...params])).rowCount ?? 0;
  const inTransaction = async (work: () => Promise<unknown>) => {
    await client.query('BEGIN');
    await work();
    await client.query('COMMIT');
  };
  const plainSql = `INSERT INTO "${schema}".plain (${PLAIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`;
  return {
    name: 'PostgreSQL',
    store,
    plainTx: (e) =>
      inTransaction(() => run(plainSql, [e.eventId, e.type, e.key, JSON.stringify(e.headers), e.body])),
    outboxTx: (e) => inTransaction(() => store.enqueue(run, [e])),
    fill: (count) => fillOutbox(count, (entries) => inTransaction(() => store.enqueue(run, entries))),
    async cleanup() {
      await store.close();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      client.release();
      await pool.end();
    },
  };
}
