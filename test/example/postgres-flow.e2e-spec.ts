import { readdirSync } from 'node:fs';
import { TOKEN_SECRET_FILE } from '../../src/auth/token-secret';
import { databaseLocation, dialectOf } from '../../src/database/database.options';
import { edges, PASSWORDS, runTournamentScenario } from './support/scenario';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

/** The same story with DATABASE_URL set: the app's tables and the audit trail in PostgreSQL, a schema of our own. */
describePostgres('example app on PostgreSQL: the tournament story over HTTP', () => {
  const schema = uniqueSchema('example_app');
  let data: ReturnType<typeof tempDataDir>;
  let app: ExampleApp | undefined;

  beforeAll(() => {
    data = tempDataDir();
  });

  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
    data.remove();
  });

  it('runs the whole story, traces it, verifies the audit chain, and keeps it across a restart', async () => {
    const config = { dataDir: data.dir, databaseUrl: DATABASE_URL, databaseSchema: schema };
    app = await startExampleApp(config);
    expect(dialectOf(app.dataSource)).toBe('postgres');
    const story = await runTournamentScenario(app);

    const trace = (
      await app.call('GET', `/events/trace/${story.requests.approveRace}`, { as: story.sessions.alice })
    ).body;
    expect(edges(trace.roots)).toEqual(
      expect.arrayContaining([
        'tournament.race.approved > audit.summary.recorded',
        'tournament.race.approved > tournament.leaderboard.updated',
      ]),
    );
    const acceptTrace = (
      await app.call('GET', `/events/trace/${story.requests.acceptInvite}`, { as: story.sessions.bob })
    ).body;
    expect(acceptTrace.roots.map((n: any) => n.type)).toEqual(
      expect.arrayContaining(['invite.accepted', 'organization.member.added']),
    );
    expect(JSON.stringify(trace)).not.toContain(PASSWORDS.alice);

    const verify = await app.call('GET', '/activity/verify', { as: await app.admin() });
    expect(verify.body).toMatchObject({ ok: true });
    // Nothing went to SQLite: both the app's tables and the audit trail live in PostgreSQL. DATA_DIR holds only the
    // generated token signing key (no JWT_SECRET was set).
    expect(databaseLocation(app.dataSource.options)).toContain(schema);
    expect(readdirSync(data.dir)).toEqual([TOKEN_SECRET_FILE]);

    await app.close();
    app = await startExampleApp(config);
    const tournament = await app.call('GET', `/tournaments/${story.tournamentId}`, {
      as: story.sessions.alice,
    });
    expect(tournament.body).toMatchObject({ status: 'finished', winnerId: story.users.bob });
    expect((await app.call('GET', '/activity/verify', { as: await app.admin() })).body).toMatchObject({
      ok: true,
    });
    expect(app.bus.stats().byType['system.admin.seeded'] ?? 0).toBe(0);
  });
});
