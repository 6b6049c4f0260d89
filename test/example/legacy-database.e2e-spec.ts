import { EmailOutboxRepository } from '../../src/notifications/email-outbox.repository';
import { TraceOwnersRepository } from '../../src/trace/trace-owners.repository';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { createLegacyPostgres, createLegacySqlite, LEGACY } from './fixtures/legacy-database.fixture';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

/**
 * A database the app made before TypeORM (hand-written DDL, TEXT timestamps, no `token_version`): the app adopts
 * it at its first start on TypeORM (the migrations) and serves its rows next to new ones, across restarts.
 */
function adoptsLegacyDatabase(
  config: () => Parameters<typeof startExampleApp>[0],
  /** Asserts that an old time column was converted to the engine's form. */
  expectConverted: (app: ExampleApp) => Promise<void>,
) {
  let app: ExampleApp | undefined;

  afterAll(async () => {
    await app?.close();
  });

  it('serves the old rows after the migrations converted them, writes new ones beside them, and restarts', async () => {
    app = await startExampleApp(config());
    const alice = await app.login('alice', LEGACY.alice.password);
    expect(alice.id).toBe(LEGACY.alice.id);
    // Tokens issued now carry token version 0, the default the missing column was added with.
    expect((await app.call('GET', `/users/${alice.id}`, { as: alice })).body).toMatchObject({
      username: 'alice',
      createdAt: LEGACY.alice.createdAt,
    });

    const org = (await app.call('GET', `/organizations/${LEGACY.organization.id}`, { as: alice })).body;
    expect(org).toMatchObject({ name: LEGACY.organization.name, createdAt: LEGACY.organization.createdAt });
    expect(org.members).toEqual([
      expect.objectContaining({
        userId: alice.id,
        permission: 'owner',
        joinedAt: LEGACY.organization.createdAt,
      }),
    ]);
    const tournament = (await app.call('GET', `/tournaments/${LEGACY.tournament.id}`, { as: alice })).body;
    expect(tournament).toMatchObject({
      name: LEGACY.tournament.name,
      status: 'running',
      createdAt: LEGACY.tournament.createdAt,
      participants: [alice.id],
    });
    expect(tournament.races).toEqual([
      expect.objectContaining({ id: LEGACY.race.id, submittedAt: LEGACY.race.submittedAt, timeMs: 61_000 }),
    ]);
    expect(await app.app.get(TraceOwnersRepository).ownerOf(LEGACY.signupCorrelationId)).toBe(alice.id);
    expect(await app.app.get(EmailOutboxRepository).forRecipient('alice@example.com')).toEqual([
      expect.objectContaining({ id: 'legacy-mail', createdAt: LEGACY.alice.createdAt }),
    ]);
    const admin = await app.admin();
    expect(
      (await app.call('GET', '/activity?limit=500', { as: admin })).body.map((l: any) => l.summary),
    ).toContain(LEGACY.activityLine);

    // Old expiry dates compare with the clock as new ones do: only the stale invite expires.
    expect((await app.call('POST', '/invites/expire-stale', { as: admin })).body).toEqual({ expired: 1 });
    const bob = await app.login('bob', LEGACY.bob.password);
    const accepted = await app.call('POST', `/invites/${LEGACY.inviteForBob.id}/accept`, { as: bob });
    expect(accepted.status).toBe(200);

    // New rows sort after the old ones.
    expect((await app.call('POST', '/organizations', { as: alice, body: { name: 'New Wave' } })).status).toBe(
      201,
    );
    expect((await app.call('GET', '/organizations', { as: alice })).body.map((o: any) => o.name)).toEqual([
      'Old Guard',
      'New Wave',
    ]);
    await expectConverted(app);

    await app.close();
    app = await startExampleApp(config());
    const again = await app.login('alice', LEGACY.alice.password);
    expect(
      (await app.call('GET', `/organizations/${LEGACY.organization.id}`, { as: again })).body.members.map(
        (m: any) => [m.username, m.permission],
      ),
    ).toEqual([
      ['alice', 'owner'],
      ['bob', 'member'],
    ]);
    const migrations: { name: string }[] = await app.dataSource.query(
      'SELECT name FROM migrations ORDER BY id',
    );
    expect(migrations.map((m) => m.name)).toEqual([
      'CreateAppTables1767225600000',
      'AdoptLegacySchema1767225600001',
    ]);
  });
}

describe('example app on a SQLite file made by its hand-written DDL', () => {
  const data = tempDataDir();
  beforeAll(() => createLegacySqlite(data.dir));
  adoptsLegacyDatabase(
    () => ({ dataDir: data.dir }),
    // The stored text of an old timestamp, rewritten in the form TypeORM writes.
    async (app) => {
      const [row] = await app.dataSource.query('SELECT expires_at FROM invites WHERE id = ?', [
        LEGACY.inviteForBob.id,
      ]);
      expect(row.expires_at).toBe('2099-01-01 00:00:00.000');
    },
  );
  afterAll(() => data.remove());
});

describePostgres('example app on a PostgreSQL schema made by its hand-written DDL', () => {
  const data = tempDataDir();
  const schema = uniqueSchema('example_legacy');
  beforeAll(() => createLegacyPostgres(DATABASE_URL, schema));
  adoptsLegacyDatabase(
    () => ({ dataDir: data.dir, databaseUrl: DATABASE_URL, databaseSchema: schema }),
    async (app) => {
      const [column] = await app.dataSource.query(
        `SELECT data_type FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'invites' AND column_name = 'expires_at'`,
        [schema],
      );
      expect(column.data_type).toBe('timestamp with time zone');
    },
  );
  // After the app is closed (hooks run in the order they are declared).
  afterAll(async () => {
    await dropSchema(schema);
    data.remove();
  });
});
