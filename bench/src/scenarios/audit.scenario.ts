import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import {
  AuditService,
  canonicalJson,
  defineEvent,
  EventBusService,
  EventsModule,
  PostgresAuditStore,
  SqliteAuditStore,
  type AuditEntry,
  type AuditOptions,
  type AuditStore,
} from 'nestjs-event-bus';
import { median } from '../harness';
import { rowsFrom, target, type RunSettings, type ScenarioResult, type TargetResult } from '../scenario';
import { DATABASE_URL, postgresUp } from '../postgres';

const Audited = defineEvent<{ orderId: string; amount: number; items: { sku: string; qty: number }[] }>(
  'order.placed',
  { audit: true },
);
const payload = (i: number) => ({
  orderId: `o-${i}`,
  amount: i * 1.25,
  items: [{ sku: `sku-${i % 97}`, qty: 1 + (i % 5) }],
});

/** A table for plain inserts of the same records without the chain (no hash columns, no hashing): same indexes. */
interface PlainTable {
  /** Inserts `batch` in one transaction; record `i` of it carries `payload(first + i)` as JSON.stringify writes it. */
  write(batch: readonly AuditEntry[], first: number): Promise<void>;
  close(): Promise<void>;
}

interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  store(): AuditStore;
  plainTable(): Promise<PlainTable>;
  cleanup(): Promise<void>;
}

/**
 * Audited events/s (SQLite and PostgreSQL, batched and sync), the hash chain's cost against plain inserts of the
 * same rows on the same database, and verify() records/s.
 */
export async function auditScenario(settings: RunSettings): Promise<ScenarioResult> {
  const rounds = settings.quick ? 1 : 3;
  const batchedCount = settings.quick ? 2_000 : 50_000;
  const syncCount = settings.quick ? 500 : 5_000;
  const verifyCount = settings.quick ? 5_000 : 100_000;
  const figures = new Map<string, number[]>();
  const targets: TargetResult[] = [];
  const notes: string[] = [];
  const add = (name: string, value: number) => figures.set(name, [...(figures.get(name) ?? []), value]);

  const backends = [sqliteBackend()];
  if (await postgresUp()) backends.push(postgresBackend());
  else notes.push(`PostgreSQL unreachable at ${DATABASE_URL}: its rows are missing.`);

  for (const backend of backends) {
    // Each kind of measurement runs its rounds together, after a pause that lets the previous step's disk writes
    // and garbage settle, so one step's aftermath does not land in another's figure.
    const steps: [string, () => Promise<number>][] = [
      ['batched, events/s', () => throughput(backend.store(), 'batched', batchedCount)],
      ['sync (64 concurrent emitAsync), events/s', () => throughput(backend.store(), 'sync', syncCount)],
      [
        'chain / plain insert, x',
        // The plain rate is this machine's ceiling for any audit table with these indexes: the absolute targets
        // read against it.
        () => chainCost(backend, batchedCount, (rate) => add(`${backend.name} ${PLAIN_RATE}`, rate)),
      ],
      ['verify(), records/s', () => verifyRate(backend.store(), verifyCount)],
    ];
    for (const [name, measureOnce] of steps) {
      for (let round = 0; round < rounds; round++) {
        await quiet();
        add(`${backend.name} ${name}`, await measureOnce());
      }
    }
    await backend.cleanup();
    const m = (name: string) => median(figures.get(`${backend.name} ${name}`) ?? [NaN]);
    const batchedTarget = backend.name === 'SQLite' ? 50_000 : 20_000;
    targets.push(
      target(
        `${backend.name} batched >= ${batchedTarget} events/s`,
        m('batched, events/s'),
        '>=',
        batchedTarget,
        'events/s',
      ),
    );
    targets.push(
      target(`${backend.name} chain <= 1.5x plain inserts`, m('chain / plain insert, x'), '<=', 1.5),
    );
    targets.push(
      target(
        `${backend.name} verify >= 200k records/s`,
        m('verify(), records/s'),
        '>=',
        200_000,
        'records/s',
      ),
    );
  }
  notes.push(
    'SQLite runs with WAL and synchronous=FULL (the default); sync mode groups concurrent emitAsync() calls into one commit.',
  );
  return {
    id: 'audit',
    title: 'audit trail: audited events/s, chain cost, verify()',
    unit: 'per row',
    rows: rowsFrom(figures, undefined),
    targets,
    notes,
    procedure:
      `Median of ${rounds} round(s): ${batchedCount} emits then flush() (batched); ${syncCount} emitAsync() with 64 in ` +
      `flight (sync); the same ${batchedCount} rows in batches of ${CHAIN_BATCH}, each batch appended through the ` +
      `store (canonical JSON, seq, link, sha256) and inserted plainly (JSON.stringify) into a table with the same ` +
      `indexes and no hash columns, taking turns at going first; verify() over ${verifyCount} records. Each round on ` +
      `a fresh database, after a 300 ms pause.`,
  };
}

async function withApp<T>(
  audit: AuditOptions,
  run: (bus: EventBusService, service: AuditService) => Promise<T>,
): Promise<T> {
  @Module({ imports: [EventsModule.forRoot({ history: false, audit })] })
  class BenchAuditModule {}
  const app = await NestFactory.createApplicationContext(BenchAuditModule, { logger: false });
  try {
    return await run(app.get(EventBusService), app.get(AuditService));
  } finally {
    await app.close();
  }
}

async function throughput(store: AuditStore, durability: 'batched' | 'sync', count: number): Promise<number> {
  return withApp(
    { store, durability, batch: { maxSize: 1000, maxDelayMs: 50 }, maxBufferedRecords: count + 1 },
    async (bus, audit) => {
      const started = performance.now();
      if (durability === 'batched') {
        for (let i = 0; i < count; i++) bus.emit(Audited, payload(i));
      } else {
        let next = 0;
        const worker = async () => {
          while (next < count) await bus.emitAsync(Audited, payload(next++));
        };
        await Promise.all(Array.from({ length: 64 }, worker));
      }
      await audit.flush();
      return count / ((performance.now() - started) / 1000);
    },
  );
}

function entries(count: number): AuditEntry[] {
  const at = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    eventId: `bench-${process.pid}-${Date.now()}-${i}`,
    type: 'order.placed',
    version: 1,
    timestamp: at,
    correlationId: `corr-${i >> 3}`,
    causationId: null,
    actorId: 'bench',
    source: 'bench',
    severity: 'info',
    data: JSON.stringify(payload(i)),
  }));
}

/**
 * The chain path (canonical JSON, then seq, link and sha256 under the store's lock) against plain inserts of the
 * same rows, batch by batch: each batch goes to both tables, in turns (plain first, then chain first), so a slow
 * moment of the machine or the disk weighs on both alike. Total chain time / total plain time.
 */
async function chainCost(
  backend: Backend,
  count: number,
  reportPlainRate: (rowsPerSecond: number) => void,
): Promise<number> {
  const all = entries(count);
  const plain = await backend.plainTable();
  const store = backend.store();
  await store.init();
  let plainTime = 0;
  let chainTime = 0;
  for (let first = 0, turn = 0; first < all.length; first += CHAIN_BATCH, turn++) {
    const batch = all.slice(first, first + CHAIN_BATCH);
    const timePlain = async () => {
      const started = performance.now();
      await plain.write(batch, first);
      plainTime += performance.now() - started;
    };
    const timeChain = async () => {
      const started = performance.now();
      await store.append(batch.map((e, i) => ({ ...e, data: canonicalJson(payload(first + i)) })));
      chainTime += performance.now() - started;
    };
    if (turn % 2 === 0) {
      await timePlain();
      await timeChain();
    } else {
      await timeChain();
      await timePlain();
    }
  }
  await plain.close();
  await store.close();
  reportPlainRate(count / (plainTime / 1000));
  return chainTime / plainTime;
}

/** Lets earlier writes reach the disk and collects garbage (when run with --expose-gc) between measurements. */
async function quiet(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 300));
}

async function verifyRate(store: AuditStore, count: number): Promise<number> {
  await store.init();
  const all = entries(count);
  for (let i = 0; i < all.length; i += 1000) await store.append(all.slice(i, i + 1000));
  await store.close();
  return withApp({ store }, async (_bus, audit) => {
    const started = performance.now();
    const result = await audit.verify();
    if (!result.ok || result.checked !== count)
      throw new Error(`verify() failed in the benchmark: ${JSON.stringify(result)}`);
    return count / ((performance.now() - started) / 1000);
  });
}

const CHAIN_BATCH = 500;
const PLAIN_RATE = 'plain inserts (no chain, same indexes), rows/s';
const PLAIN_COLUMNS =
  'seq, event_id, type, version, timestamp, correlation_id, causation_id, actor_id, source, severity, data';
const PLAIN_TABLE = `(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL,
  timestamp TEXT NOT NULL, correlation_id TEXT NOT NULL, causation_id TEXT, actor_id TEXT, source TEXT NOT NULL,
  severity TEXT NOT NULL, data TEXT NOT NULL)`;

/** A plain row's values, in `PLAIN_COLUMNS` order. */
function plainRow(seq: number, e: AuditEntry, data: string): unknown[] {
  return [
    seq,
    e.eventId,
    e.type,
    e.version,
    e.timestamp,
    e.correlationId,
    e.causationId,
    e.actorId,
    e.source,
    e.severity,
    data,
  ];
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  let n = 0;
  return {
    name: 'SQLite',
    store: () => new SqliteAuditStore({ path: join(dir, `audit-${n++}.db`) }),
    async plainTable() {
      const db = new Database(join(dir, `plain-${n++}.db`));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(`CREATE TABLE plain ${PLAIN_TABLE}; CREATE UNIQUE INDEX plain_event ON plain (event_id);
        CREATE INDEX plain_corr ON plain (correlation_id, seq); CREATE INDEX plain_type ON plain (type, seq);
        CREATE INDEX plain_actor ON plain (actor_id, seq); CREATE INDEX plain_ts ON plain (timestamp, seq);`);
      const insert = db.prepare(
        `INSERT INTO plain (${PLAIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      let seq = 0;
      const write = db.transaction((batch: readonly AuditEntry[], first: number) => {
        for (let i = 0; i < batch.length; i++) {
          insert.run(...plainRow(++seq, batch[i], JSON.stringify(payload(first + i))));
        }
      });
      return {
        write: async (batch, first) => write.immediate(batch, first),
        close: async () => void db.close(),
      };
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schema = `audit_bench_${process.pid}`;
  let n = 0;
  const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  return {
    name: 'PostgreSQL',
    store: () => new PostgresAuditStore({ connectionString: DATABASE_URL, schema, table: `audit_${n++}` }),
    async plainTable() {
      const table = `"${schema}".plain_${n++}`;
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await admin.query(
        `CREATE TABLE ${table} ${PLAIN_TABLE.replace('INTEGER PRIMARY KEY', 'bigint PRIMARY KEY')}`,
      );
      for (const [suffix, cols] of [
        ['e', 'event_id'],
        ['c', 'correlation_id, seq'],
        ['t', 'type, seq'],
        ['a', 'actor_id, seq'],
        ['ts', 'timestamp, seq'],
      ]) {
        await admin.query(`CREATE ${suffix === 'e' ? 'UNIQUE ' : ''}INDEX ON ${table} (${cols})`);
      }
      let seq = 0;
      return {
        async write(batch, first) {
          const columns: unknown[][] = Array.from({ length: 11 }, () => []);
          batch.forEach((e, i) => {
            const values = plainRow(++seq, e, JSON.stringify(payload(first + i)));
            values.forEach((v, c) => columns[c].push(v));
          });
          await admin.query('BEGIN');
          await admin.query(
            `INSERT INTO ${table} (${PLAIN_COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],
             $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
            columns,
          );
          await admin.query('COMMIT');
        },
        close: async () => undefined,
      };
    },
    async cleanup() {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}
