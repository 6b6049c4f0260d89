import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresAuditStore, SqliteAuditStore } from 'nestjs-event-bus';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import type { AuditApp } from './fixtures/audit-app.fixture';
import { integrityScenarios } from './support/integrity-scenarios';
import { postgresAuditSuite } from './support/postgres-suite';
import { sqliteTamperer } from './support/sqlite-tamperer';
import type { Tamperer } from './support/tamper';

describe('audit trail on SQLite: tamper evidence that survives a writer', () => {
  let dir = '';
  const apps: AuditApp[] = [];
  const tamperers: (Tamperer & { close(): void })[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-integrity-'));
  });
  afterEach(async () => {
    for (const t of tamperers.splice(0)) t.close();
    for (const { app } of apps.splice(0)) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  integrityScenarios({
    store: () => new SqliteAuditStore({ path: join(dir, 'audit.db') }),
    tamperer: () => {
      const t = sqliteTamperer(join(dir, 'audit.db'));
      tamperers.push(t);
      return t;
    },
    dir: () => dir,
    apps,
  });
});

describePostgres('audit trail on PostgreSQL: tamper evidence that survives a writer', () => {
  const pg = postgresAuditSuite('audit_integrity');
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-integrity-'));
  });
  afterEach(async () => {
    // Closing writes a final checkpoint into the directory: close first.
    for (const { app } of pg.apps.splice(0)) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  integrityScenarios({
    store: () => new PostgresAuditStore({ connectionString: DATABASE_URL, schema: pg.schema }),
    tamperer: () => ({
      table: `"${pg.schema}".audit_log`,
      exec: async (sql, params = []) => {
        let n = 0;
        return (
          await pg.admin.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows;
      },
    }),
    dir: () => dir,
    apps: pg.apps,
  });
});
