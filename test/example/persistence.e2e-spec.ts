import { dialectOf } from '../../src/database/database.options';
import { EmailOutboxRepository } from '../../src/notifications/email-outbox.repository';
import { TraceOwnersRepository } from '../../src/trace/trace-owners.repository';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';
import { runTournamentScenario, type ScenarioResult } from './support/scenario';

/** What the app shows of everything the story wrote, read over HTTP (and, for two tables with no route, in-process). */
async function readBack(app: ExampleApp, story: ScenarioResult, pendingInviteOrg: string) {
  const admin = await app.admin();
  const { alice, dave } = story.sessions;
  const get = async (path: string, as = admin) => {
    const reply = await app.call('GET', path, { as });
    expect(reply.status).toBe(200);
    return reply.body;
  };
  return {
    users: await get('/users?limit=100'),
    organization: await get(`/organizations/${story.organizationId}`, alice),
    organizations: await get(`/organizations/${pendingInviteOrg}/invites`, alice),
    davesInvites: await get('/invites', dave),
    tournament: await get(`/tournaments/${story.tournamentId}`, alice),
    activity: await get('/activity?limit=500'),
    emails: await app.app.get(EmailOutboxRepository).forRecipient('dave@example.com'),
    signupStoryOwner: await app.app.get(TraceOwnersRepository).ownerOf(story.requests.signup),
  };
}

/**
 * Writes through the app, stops it, starts it again on the same database, and reads everything back: the same
 * rows, the schema's migrations applied once, nothing seeded twice.
 */
function survivesRestart(
  config: () => Parameters<typeof startExampleApp>[0],
  dialect: 'sqlite' | 'postgres',
) {
  let app: ExampleApp | undefined;

  afterAll(async () => {
    await app?.close();
  });

  it('reads back after a restart everything written before it', async () => {
    app = await startExampleApp(config());
    expect(dialectOf(app.dataSource)).toBe(dialect);
    const story = await runTournamentScenario(app);
    const org = await app.call('POST', '/organizations', {
      as: story.sessions.alice,
      body: { name: 'Pending Club' },
    });
    const invite = await app.call('POST', `/organizations/${org.body.id}/invites`, {
      as: story.sessions.alice,
      body: { email: 'dave@example.com', permission: 'admin' },
    });
    expect(invite.status).toBe(201);
    await app.settle();
    const before = await readBack(app, story, org.body.id);
    // The story wrote to every table: the reads are not empty.
    expect(before.users.length).toBe(5);
    expect(before.organization.members).toHaveLength(3);
    expect(before.davesInvites).toEqual([expect.objectContaining({ id: invite.body.id, status: 'pending' })]);
    expect(before.tournament.races).toHaveLength(2);
    expect(before.tournament.matches).toHaveLength(1);
    expect(before.activity.length).toBeGreaterThan(5);
    expect(before.emails.map((email) => email.template)).toEqual(['welcome', 'invitation']);
    expect(before.signupStoryOwner).toBe(story.users.alice);

    await app.close();
    app = await startExampleApp(config());
    expect(await readBack(app, story, org.body.id)).toEqual(before);

    const migrations: { name: string }[] = await app.dataSource.query(
      'SELECT name FROM migrations ORDER BY id',
    );
    expect(migrations.map((m) => m.name)).toEqual([
      'CreateAppTables1767225600000',
      'AdoptLegacySchema1767225600001',
    ]);
    expect(app.bus.history({ type: 'system.database.ready' }).map((e) => e.data)).toEqual([
      expect.objectContaining({ dialect, tables: 11 }),
    ]);
    expect(app.bus.stats().byType['system.admin.seeded'] ?? 0).toBe(0);

    // And it goes on writing: a new sign-up next to the old rows.
    await app.signUp('erin');
    expect(
      (await app.call('GET', '/users?limit=100', { as: await app.admin() })).body.map((u: any) => u.username),
    ).toEqual([...before.users.map((u: any) => u.username), 'erin']);
  });
}

describe('example app on SQLite: data survives a restart on the same file', () => {
  const data = tempDataDir();
  survivesRestart(() => ({ dataDir: data.dir }), 'sqlite');
  afterAll(() => data.remove());
});

describePostgres('example app on PostgreSQL: data survives a restart on the same schema', () => {
  const data = tempDataDir();
  const schema = uniqueSchema('example_restart');
  survivesRestart(
    () => ({ dataDir: data.dir, databaseUrl: DATABASE_URL, databaseSchema: schema }),
    'postgres',
  );
  // After the app is closed (hooks run in the order they are declared).
  afterAll(async () => {
    await dropSchema(schema);
    data.remove();
  });
});
