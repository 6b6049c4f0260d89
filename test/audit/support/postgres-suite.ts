import { Pool } from 'pg';
import { DATABASE_URL, dropSchema, uniqueSchema } from '../../support/postgres';
import type { AuditApp } from '../fixtures/audit-app.fixture';

/** What a PostgreSQL audit suite shares. Read it inside tests and hooks: each test gets a schema of its own. */
export interface PostgresAuditSuite {
  /** A pool for the test's own queries (tampering, checks). */
  readonly admin: Pool;
  /** This test's schema, dropped after it. */
  readonly schema: string;
  /** Apps the test started, closed after it. */
  readonly apps: AuditApp[];
}

/** Registers the suite's hooks: an admin pool, a schema per test, and the clean-up of both. */
export function postgresAuditSuite(prefix: string): PostgresAuditSuite {
  let admin: Pool | undefined;
  let schema = '';
  const apps: AuditApp[] = [];
  beforeAll(() => {
    admin = new Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  beforeEach(() => {
    schema = uniqueSchema(prefix);
  });
  afterEach(async () => {
    for (const { app } of apps.splice(0)) await app.close();
    await dropSchema(schema, admin);
  });
  afterAll(async () => {
    await admin?.end();
  });
  return {
    get admin(): Pool {
      if (admin === undefined) throw new Error('The admin pool exists inside tests and hooks only.');
      return admin;
    },
    get schema(): string {
      return schema;
    },
    apps,
  };
}
