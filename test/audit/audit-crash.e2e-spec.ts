import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { PostgresAuditStore, SqliteAuditStore, type AuditStore } from 'nestjs-event-bus';
import { startAuditApp } from './fixtures/audit-app.fixture';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';

const register = join(__dirname, 'fixtures', 'ts-register.cjs');
const childScript = join(__dirname, 'fixtures', 'crash-child.fixture.ts');
/** The child's batch settings: a window is at most one batch being committed plus one filling. */
const BATCH_MAX_SIZE = 100;
const KILL_AFTER = 600;

/** Runs the child until it reported KILL_AFTER resolved emits, kills it with SIGKILL, returns what it reported. */
function runAndKill(env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', register, childScript], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let resolvedCount = 0;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      resolvedCount += chunk.split('resolved ').length - 1;
      if (resolvedCount >= KILL_AFTER) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL' || resolvedCount < KILL_AFTER) {
        reject(
          new Error(`child ended unexpectedly (signal ${signal}, ${resolvedCount} resolved): ${stderr}`),
        );
        return;
      }
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.startsWith('resolved '))
          .map((line) => line.slice('resolved '.length).trim())
          .filter((id) => id.length === 36),
      );
    });
  });
}

/** Ids the child reported as resolved that the database does not hold, in emission order. */
function missing(reported: string[], stored: Set<string>): string[] {
  return reported.filter((id) => !stored.has(id));
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
      const reported = await runAndKill({ AUDIT_MODE: 'sync', AUDIT_STORE: 'sqlite', AUDIT_DB: path });
      expect(missing(reported, storedIds(path))).toEqual([]);
      await verifyWith(new SqliteAuditStore({ path }));
    }, 60_000);

    it('batched mode loses at most the last batch window, never anything older', async () => {
      const path = join(dir, 'audit.db');
      const reported = await runAndKill({ AUDIT_MODE: 'batched', AUDIT_STORE: 'sqlite', AUDIT_DB: path });
      const lost = missing(reported, storedIds(path));
      // What is lost is the newest records only (a suffix of what was emitted), at most two batches' worth.
      expect(lost).toEqual(reported.slice(reported.length - lost.length));
      expect(lost.length).toBeLessThanOrEqual(2 * BATCH_MAX_SIZE);
      expect(reported.length - lost.length).toBeGreaterThan(0);
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

    it.each(['sync', 'batched'] as const)(
      '%s mode',
      async (mode) => {
        const env = {
          AUDIT_MODE: mode,
          AUDIT_STORE: 'postgres',
          AUDIT_DB: DATABASE_URL,
          AUDIT_SCHEMA: schema,
        };
        const reported = await runAndKill(env);
        const lost = missing(reported, await storedIds());
        if (mode === 'sync') expect(lost).toEqual([]);
        else {
          expect(lost).toEqual(reported.slice(reported.length - lost.length));
          expect(lost.length).toBeLessThanOrEqual(2 * BATCH_MAX_SIZE);
        }
        await verifyWith(new PostgresAuditStore({ connectionString: DATABASE_URL, schema }));
      },
      60_000,
    );
  });
});
