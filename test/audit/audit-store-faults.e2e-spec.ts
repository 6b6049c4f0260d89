import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { PostgresAuditStore, SqliteAuditStore, type AuditEntry, type AuditStore } from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { UserCreated, startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';
import { postgresAuditSuite } from './support/postgres-suite';

// The real SQL stores failing at runtime, and a batch retried after its commit went through but its answer was
// lost (the store then meets its own records: a UNIQUE violation on event_id).

/** Entries as the writer hands them to a store, numbered from `from`. */
function entries(from: number, count: number): AuditEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: `evt-${from + i}`,
    type: 'user.created',
    version: 1,
    timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, from + i)).toISOString(),
    correlationId: 'req-1',
    causationId: null,
    actorId: null,
    source: 'audit-test',
    severity: 'info',
    data: `{"id":"u${from + i}"}`,
  }));
}

/** Emits `count` audited events and returns their ids, in emit order. */
function emitUsers(bus: AuditApp['bus'], from: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => bus.emit(UserCreated, { id: `u${from + i}`, email: 'e' }).id,
  );
}

/** `[seq, eventId]` of every record, in chain order. */
async function chain(audit: AuditApp['audit']): Promise<[number, string][]> {
  return (await audit.query({ limit: 1000 })).records.map((r) => [r.seq, r.eventId]);
}

function inOrder(eventIds: string[]): [number, string][] {
  return eventIds.map((id, i) => [i + 1, id]);
}

function loggedWriteFailure(logger: CaptureLogger): boolean {
  return logger.lines.some((l) => l.level === 'error' && /audit record\(s\) failed/.test(l.message));
}

/** The retried-batch scenarios both SQL stores must pass the same way. */
function retriedBatchScenarios(open: () => Promise<{ app: AuditApp; store: AuditStore }>): void {
  it('stores a batch appended twice (its first commit unacknowledged) once, as an intact chain', async () => {
    const { app, store } = await open();
    const batch = entries(0, 4);
    await store.append(batch);
    await store.append(batch);
    expect(await chain(app.audit)).toEqual(inOrder(batch.map((e) => e.eventId)));
    await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 4 });
  });

  it('writes only the new records of a retried batch that was half in already, in order, chaining on', async () => {
    const { app, store } = await open();
    await store.append(entries(0, 4));
    await store.append(entries(2, 4));
    expect(await chain(app.audit)).toEqual(inOrder(entries(0, 6).map((e) => e.eventId)));
    await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 6 });
  });

  it('stores an event that is twice in one batch (delivered again before it was written) once, and chains on', async () => {
    const { app, store } = await open();
    const [first, second] = entries(0, 2);
    await store.append([first, second, first]);
    await store.append(entries(2, 1));
    expect(await chain(app.audit)).toEqual(inOrder(entries(0, 3).map((e) => e.eventId)));
    await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: 3 });
  });
}

describe('audit trail on SQLite: faults at runtime', () => {
  let dir: string;
  let path: string;
  const apps: AuditApp[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-store-faults-'));
    path = join(dir, 'audit.db');
  });
  afterEach(async () => {
    for (const { app } of apps.splice(0)) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store gives up on another connection's lock after `busyTimeoutMs`, so that an attempt fails quickly. */
  async function open(
    logger?: CaptureLogger,
    busyTimeoutMs = 200,
  ): Promise<{ app: AuditApp; store: SqliteAuditStore }> {
    const store = new SqliteAuditStore({ path, busyTimeoutMs });
    const app = await startAuditApp({ store, batch: { maxDelayMs: 5 } }, {}, logger);
    apps.push(app);
    return { app, store };
  }

  retriedBatchScenarios(() => open());

  it('keeps what is emitted while another connection holds the database locked, then writes it once, in order', async () => {
    const logger = new CaptureLogger();
    const { app } = await open(logger);
    const { bus, audit } = app;
    const emitted = emitUsers(bus, 0, 2);
    await audit.flush();
    const locker = new Database(path);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      emitted.push(...emitUsers(bus, 2, 3));
      await until(() => audit.stats().writeFailures > 0, 20_000);
      emitted.push(...emitUsers(bus, 5, 2));
      expect(audit.stats()).toMatchObject({ written: 2, buffered: 5, dropped: 0 });
      expect(audit.stats().lastError).toMatch(/locked|busy/i);
      expect(loggedWriteFailure(logger)).toBe(true);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    await audit.flush();
    expect(audit.stats()).toMatchObject({ written: 7, buffered: 0, dropped: 0 });
    expect(await chain(audit)).toEqual(inOrder(emitted));
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 7 });
  });

  it("waits busyTimeoutMs for another connection's lock, then fails the attempt", async () => {
    const { store } = await open(undefined, 300);
    const locker = new Database(path);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      const started = performance.now();
      await expect(store.append(entries(0, 1))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      const waitedMs = performance.now() - started;
      expect(waitedMs).toBeGreaterThanOrEqual(250);
      // Far below the 5 s default: the option, not the default, set the wait.
      expect(waitedMs).toBeLessThan(3_000);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    await store.append(entries(0, 1));
  });

  it('refuses a busyTimeoutMs that is not a whole number of milliseconds, saying what to give', () => {
    for (const busyTimeoutMs of [-1, 1.5, Number.NaN]) {
      expect(() => new SqliteAuditStore({ path, busyTimeoutMs })).toThrow(
        /busyTimeoutMs must be a whole number of at least 0/,
      );
    }
    expect(() => new SqliteAuditStore({ path, busyTimeoutMs: 0 })).not.toThrow();
  });
});

describePostgres('audit trail on PostgreSQL: faults at runtime', () => {
  const pg = postgresAuditSuite('audit_store_faults');

  /** The store's connections carry the schema's name as application_name: the test kills those and no others. */
  async function open(
    logger?: CaptureLogger,
    settings: Record<string, string> = {},
  ): Promise<{ app: AuditApp; store: PostgresAuditStore }> {
    const url = new URL(DATABASE_URL);
    for (const [name, value] of Object.entries({ application_name: pg.schema, ...settings }))
      url.searchParams.set(name, value);
    const store = new PostgresAuditStore({ connectionString: url.toString(), schema: pg.schema });
    const app = await startAuditApp({ store, batch: { maxDelayMs: 5 } }, {}, logger);
    pg.apps.push(app);
    return { app, store };
  }

  /** Resolves once one of the store's connections is blocked on the table lock. */
  async function untilStoreWaitsOnLock(): Promise<void> {
    await until(async () => {
      const { rows } = await pg.admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [pg.schema],
      );
      return rows[0].n > 0;
    }, 10_000);
  }

  /**
   * While another connection holds the audit table locked, `failWrites` makes the store's writes fail; what is
   * emitted meanwhile must be kept, counted and logged, then written once, in emit order, when the lock goes.
   */
  async function expectNothingLostWhileWritesFail(
    { bus, audit }: AuditApp,
    logger: CaptureLogger,
    failWrites: () => Promise<void>,
    lastError: RegExp,
  ): Promise<void> {
    const emitted = emitUsers(bus, 0, 2);
    await audit.flush();
    const locker = new Client({ connectionString: DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${pg.schema}".audit_log IN ACCESS EXCLUSIVE MODE`);
      emitted.push(...emitUsers(bus, 2, 3));
      await failWrites();
      await until(() => audit.stats().writeFailures > 0);
      emitted.push(...emitUsers(bus, 5, 2));
      expect(audit.stats()).toMatchObject({ written: 2, buffered: 5, dropped: 0 });
      expect(audit.stats().lastError).toMatch(lastError);
      expect(loggedWriteFailure(logger)).toBe(true);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    await audit.flush();
    expect(audit.stats()).toMatchObject({ written: 7, buffered: 0, dropped: 0 });
    expect(await chain(audit)).toEqual(inOrder(emitted));
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 7 });
  }

  retriedBatchScenarios(() => open());

  it('keeps what is emitted while its writes time out on a locked table, then writes it once, in order', async () => {
    const logger = new CaptureLogger();
    const { app } = await open(logger, { lock_timeout: '200' });
    await expectNothingLostWhileWritesFail(app, logger, async () => undefined, /lock timeout/i);
  });

  it('survives its connections being killed mid-write, keeping what is emitted and writing it once, in order', async () => {
    const logger = new CaptureLogger();
    const { app } = await open(logger);
    await expectNothingLostWhileWritesFail(
      app,
      logger,
      async () => {
        await untilStoreWaitsOnLock();
        await pg.admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [pg.schema],
        );
      },
      /terminat/i,
    );
  });
});
