import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { PostgresAuditStore, SqliteAuditStore, type AuditStore } from 'nestjs-event-bus';
import { startAuditApp } from './fixtures/audit-app.fixture';
import { CRASH_BATCH } from './fixtures/crash-child.fixture';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';

const register = join(__dirname, '..', 'support', 'ts-register.cjs');
const childScript = join(__dirname, 'fixtures', 'crash-child.fixture.ts');
/** Sync mode: the child is killed once this many emitAsync() calls resolved. */
const SYNC_KILL_AFTER = 600;
/** Batched mode: the child is killed once it has been emitting this long (by its own clock). */
const BATCHED_RUN_MS = 5_000;
/**
 * Batched mode: how long before the last emitted event a lost one may have been emitted. The batch window, plus a
 * write in progress and a loaded machine's pauses, generously: still far below the run, so a writer that waited for
 * full batches (or for a much longer delay) would lose more than this.
 */
const LOSS_WINDOW_MS = CRASH_BATCH.maxDelayMs + 1_500;

/** One event the child reported: its id, and when (the child's `performance.now()`) it was emitted. */
interface Emitted {
  id: string;
  at: number;
}

function parseReport(line: string): Emitted | undefined {
  const [word, id, at] = line.split(' ');
  return word === 'resolved' && id?.length === 36 && at !== undefined ? { id, at: Number(at) } : undefined;
}

/** Runs the child until `enough` holds for what it reported, kills it with SIGKILL, returns everything it reported. */
function runAndKill(
  env: Record<string, string>,
  enough: (emitted: Emitted[]) => boolean,
): Promise<Emitted[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', register, childScript], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const emitted: Emitted[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const report = parseReport(line);
        if (report) emitted.push(report);
      }
      if (!killed && emitted.length > 0 && enough(emitted)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' || !killed) {
        reject(
          new Error(`child ended unexpectedly (signal ${signal}, ${emitted.length} reported): ${stderr}`),
        );
        return;
      }
      resolve(emitted);
    });
  });
}

const syncEnough = (emitted: Emitted[]): boolean => emitted.length >= SYNC_KILL_AFTER;
const batchedEnough = (emitted: Emitted[]): boolean =>
  emitted[emitted.length - 1].at - emitted[0].at >= BATCHED_RUN_MS;

/** Events the child reported that the database does not hold, in emission order. */
function missing(emitted: Emitted[], stored: Set<string>): Emitted[] {
  return emitted.filter((event) => !stored.has(event.id));
}

/**
 * Batched mode's promise: what is lost is the newest records only (a suffix of what was emitted), all emitted
 * within the batch window before the crash, over a run long enough that waiting for full batches would lose more.
 */
function expectOnlyTheLastWindowLost(emitted: Emitted[], stored: Set<string>): void {
  const lost = missing(emitted, stored);
  const last = emitted[emitted.length - 1];
  expect(emitted.length).toBeLessThan(CRASH_BATCH.maxSize);
  expect(last.at - emitted[0].at).toBeGreaterThanOrEqual(BATCHED_RUN_MS);
  expect(lost).toEqual(emitted.slice(emitted.length - lost.length));
  // The oldest lost record was emitted at most the window before the last one.
  expect(last.at - (lost[0]?.at ?? last.at)).toBeLessThanOrEqual(LOSS_WINDOW_MS);
}

async function verifyWith(store: AuditStore): Promise<void> {
  const { app, audit } = await startAuditApp({ store });
  try {
    await expect(audit.verify()).resolves.toMatchObject({ ok: true });
  } finally {
    await app.close();
  }
}

describe('audit durability when the process is killed (SIGKILL) mid-stream', () => {
  describe('SQLite', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'audit-crash-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function storedIds(path: string): Set<string> {
      const db = new Database(path, { readonly: true });
      try {
        return new Set(db.prepare('SELECT event_id FROM audit_log').pluck().all() as string[]);
      } finally {
        db.close();
      }
    }

    it('sync mode loses nothing that emitAsync() reported as resolved', async () => {
      const path = join(dir, 'audit.db');
      const env = { AUDIT_MODE: 'sync', AUDIT_STORE: 'sqlite', AUDIT_DB: path };
      const emitted = await runAndKill(env, syncEnough);
      expect(missing(emitted, storedIds(path))).toEqual([]);
      await verifyWith(new SqliteAuditStore({ path }));
    }, 60_000);

    it('batched mode loses only what was emitted in the last batch window, never anything older', async () => {
      const path = join(dir, 'audit.db');
      const env = { AUDIT_MODE: 'batched', AUDIT_STORE: 'sqlite', AUDIT_DB: path };
      const emitted = await runAndKill(env, batchedEnough);
      expectOnlyTheLastWindowLost(emitted, storedIds(path));
      await verifyWith(new SqliteAuditStore({ path }));
    }, 60_000);
  });

  describePostgres('PostgreSQL', () => {
    let admin: Pool;
    let schema: string;
    beforeAll(() => {
      admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    });
    beforeEach(() => {
      schema = uniqueSchema('audit_crash');
    });
    afterEach(async () => {
      await dropSchema(schema, admin);
    });
    afterAll(async () => {
      await admin?.end();
    });

    async function storedIds(): Promise<Set<string>> {
      const result = await admin.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".audit_log`);
      return new Set(result.rows.map((row) => row.event_id));
    }

    function envFor(mode: 'sync' | 'batched'): Record<string, string> {
      return { AUDIT_MODE: mode, AUDIT_STORE: 'postgres', AUDIT_DB: DATABASE_URL, AUDIT_SCHEMA: schema };
    }

    it('sync mode loses nothing that emitAsync() reported as resolved', async () => {
      const emitted = await runAndKill(envFor('sync'), syncEnough);
      expect(missing(emitted, await storedIds())).toEqual([]);
      await verifyWith(new PostgresAuditStore({ connectionString: DATABASE_URL, schema }));
    }, 60_000);

    it('batched mode loses only what was emitted in the last batch window, never anything older', async () => {
      const emitted = await runAndKill(envFor('batched'), batchedEnough);
      expectOnlyTheLastWindowLost(emitted, await storedIds());
      await verifyWith(new PostgresAuditStore({ connectionString: DATABASE_URL, schema }));
    }, 60_000);
  });
});
