import { edges, PASSWORDS, runTournamentScenario, type ScenarioResult } from './support/scenario';
import { parseExposition } from '../metrics/support/prometheus-text';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

/** Finds the first node of `type` in a trace tree. */
function find(nodes: any[], type: string): any {
  for (const node of nodes) {
    if (node.type === type) return node;
    const inner = find(node.children, type);
    if (inner) return inner;
  }
  return undefined;
}

describe('example app on SQLite: the tournament story over HTTP', () => {
  const data = tempDataDir();
  let app: ExampleApp;
  let story: ScenarioResult;

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir });
    story = await runTournamentScenario(app);
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('ends with the tournament finished, bob the winner, and the organization as built', async () => {
    const tournament = await app.call('GET', `/tournaments/${story.tournamentId}`, {
      as: story.sessions.alice,
    });
    expect(tournament.status).toBe(200);
    expect(tournament.body).toMatchObject({
      status: 'finished',
      winnerId: story.users.bob,
      name: 'Spring Cup',
    });
    expect(tournament.body.races.map((r: any) => r.status).sort()).toEqual(['approved', 'rejected']);
    expect(tournament.body.matches).toEqual([
      expect.objectContaining({ status: 'completed', winnerId: story.users.bob, score: '3-1' }),
    ]);
    expect(tournament.body.leaderboard[0]).toEqual({
      userId: story.users.bob,
      points: 4,
      bestTimeMs: 62_345,
    });

    const org = await app.call('GET', `/organizations/${story.organizationId}`, { as: story.sessions.bob });
    const members = Object.fromEntries(org.body.members.map((m: any) => [m.username, m.permission]));
    expect(members).toEqual({ alice: 'owner', bob: 'member', carol: 'admin' });
  });

  it('reports itself healthy: bus, audit store, transport (in-process here), outbox and database', async () => {
    const health = await app.call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(Object.keys(health.body.info).sort()).toEqual([
      'audit',
      'database',
      'events',
      'outbox',
      'transport',
    ]);
    for (const part of Object.values(health.body.info)) expect(part).toMatchObject({ status: 'up' });
  });

  it('tells anonymous callers of /health only up or down, and an administrator the details (report A6)', async () => {
    const health = await app.call('GET', '/health');
    for (const part of Object.values(health.body.info)) expect(part).toEqual({ status: 'up' });
    expect(JSON.stringify(health.body)).not.toMatch(/inFlight|dialect|deadLetters|written/);
    expect((await app.call('GET', '/health/details')).status).toBe(401);
    expect((await app.call('GET', '/health/details', { as: story.sessions.bob })).status).toBe(403);
    const admin = await app.login('admin', app.config.adminPassword!);
    const details = await app.call('GET', '/health/details', { as: admin });
    expect(details.status).toBe(200);
    expect(details.body.info.transport).toEqual({ status: 'up', transport: 'in-process' });
    expect(details.body.info.database).toMatchObject({ status: 'up', dialect: 'sqlite' });
    expect(details.body.info.outbox).toMatchObject({ status: 'up', relay: true, rows: 0 });
  });

  it('/metrics reflects the traffic: emitted types, handler outcomes and the app’s domain counters', async () => {
    const reply = await app.call('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/plain');
    const metrics = parseExposition(reply.body);
    expect(metrics.value('events_emitted_total', { type: 'user.created' })).toBe(4);
    expect(metrics.value('events_emitted_total', { type: 'tournament.race.submitted' })).toBe(2);
    expect(metrics.value('events_emitted_total', { type: 'tournament.race.approved' })).toBe(1);
    expect(metrics.value('events_emitted_total', { type: 'tournament.winner.declared' })).toBe(1);
    // Every welcome email is greylisted once, then accepted on the retry.
    expect(
      metrics.value('events_handled_total', {
        type: 'user.created',
        handler: 'Notifications.welcomeEmail',
        outcome: 'failure',
      }),
    ).toBe(4);
    expect(
      metrics.value('events_handled_total', {
        type: 'user.created',
        handler: 'Notifications.welcomeEmail',
        outcome: 'success',
      }),
    ).toBe(4);
    expect(
      metrics.value('example_domain_events_total', { aggregate: 'tournament', action: 'race.submitted' }),
    ).toBe(2);
    expect(metrics.value('example_approved_race_seconds_total')).toBeCloseTo(62.345);
  });

  it('traces the race approval request as a causal tree with each handler’s outcome', async () => {
    const reply = await app.call('GET', `/events/trace/${story.requests.approveRace}`, {
      as: story.sessions.alice,
    });
    expect(reply.status).toBe(200);
    const trace = reply.body;
    expect(trace.correlationId).toBe(story.requests.approveRace);
    expect(trace.roots.map((n: any) => n.type)).toEqual([
      'http.request.started',
      'command.execution.started',
      'tournament.race.approved',
      'command.execution.completed',
      'http.request.completed',
    ]);
    expect(edges(trace.roots)).toEqual(
      expect.arrayContaining([
        'tournament.race.approved > audit.summary.recorded',
        'tournament.race.approved > tournament.leaderboard.updated',
      ]),
    );
    const approved = find(trace.roots, 'tournament.race.approved');
    expect(approved.actorId).toBe(story.users.alice);
    // Kept in memory, in the audit trail, and recorded for the trace.
    expect(approved.foundIn).toEqual(['history', 'audit', 'store']);
    expect(approved.handlers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ handler: 'Activity.raceApproved', outcome: 'success', attempts: 1 }),
        expect.objectContaining({ handler: 'Leaderboard.recompute', outcome: 'success', attempts: 1 }),
      ]),
    );
    const leaderboard = find(trace.roots, 'tournament.leaderboard.updated');
    expect(leaderboard.causationId).toBe(approved.id);
    expect(leaderboard.data.leaderId).toBe(story.users.bob);
  });

  it('traces the end of the tournament down to the declared winner', async () => {
    const trace = (
      await app.call('GET', `/events/trace/${story.requests.endTournament}`, { as: story.sessions.alice })
    ).body;
    expect(edges(trace.roots)).toContain('tournament.ended > tournament.winner.declared');
    expect(find(trace.roots, 'tournament.winner.declared').data).toEqual({
      tournamentId: story.tournamentId,
      winnerId: story.users.bob,
      points: 4,
    });
  });

  it('traces the sign-up with the retried welcome email, and no password appears anywhere', async () => {
    const reply = await app.call('GET', `/events/trace/${story.requests.signup}`, {
      as: story.sessions.alice,
    });
    expect(reply.status).toBe(200);
    const created = find(reply.body.roots, 'user.created');
    expect(created.handlers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          handler: 'Notifications.welcomeEmail',
          outcome: 'success',
          attempts: 2,
          attemptLog: [
            expect.objectContaining({ attempt: 1, outcome: 'retried', source: 'example-app' }),
            expect.objectContaining({ attempt: 2, outcome: 'success', source: 'example-app' }),
          ],
        }),
      ]),
    );
    expect(edges(reply.body.roots)).toEqual(
      expect.arrayContaining([
        'user.created > notification.email.deferred',
        'user.created > notification.email.queued',
        'user.created > audit.summary.recorded',
      ]),
    );

    const everything = JSON.stringify([
      reply.body,
      app.bus.history(),
      (await app.audit.query({ limit: 1000 })).records,
      (await app.call('GET', '/activity?limit=500', { as: await app.admin() })).body,
      await app.dataSource.query('SELECT * FROM users'),
    ]);
    for (const password of Object.values(PASSWORDS)) expect(everything).not.toContain(password);
  });

  it('answers a trace of somebody else’s request exactly like an unknown correlation id: 404', async () => {
    const others = await app.call('GET', `/events/trace/${story.requests.approveRace}`, {
      as: story.sessions.dave,
    });
    const unknown = await app.call('GET', '/events/trace/no-such-correlation', { as: story.sessions.dave });
    expect(others.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(others.body).toEqual(unknown.body);
    expect(
      (await app.call('GET', '/events/trace/no-such-correlation', { as: await app.admin() })).status,
    ).toBe(404);
  });

  it('keeps human-readable activity lines for the key actions', async () => {
    const { alice } = story.sessions;
    const { dave } = story.users;
    expect(
      (await app.call('PUT', `/users/${dave}/permission`, { as: await app.admin(), body: { role: 'admin' } }))
        .status,
    ).toBe(200);
    expect(
      (
        await app.call('POST', `/organizations/${story.organizationId}/members`, {
          as: alice,
          body: { userId: dave },
        })
      ).status,
    ).toBe(201);
    expect(
      (await app.call('DELETE', `/organizations/${story.organizationId}/members/${dave}`, { as: alice }))
        .status,
    ).toBe(204);
    await app.settle();

    const lines = (await app.call('GET', '/activity?limit=500', { as: await app.admin() })).body.map(
      (s: any) => s.summary,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'New user "alice" signed up',
        'alice created organization "Speedrunners"',
        'bob joined "Speedrunners" as member by accepting an invite',
        'alice added carol to "Speedrunners" as member',
        'alice created tournament "Spring Cup" (Celeste) in "Speedrunners"',
        'bob submitted a race of 1:02.345 in "Spring Cup"',
        'alice approved bob’s race of 1:02.345 in "Spring Cup"',
        'admin changed dave’s role from user to admin',
        'alice added dave to "Speedrunners" as member',
        'alice removed dave from "Speedrunners"',
      ]),
    );
    expect((await app.call('GET', '/activity', { as: alice })).status).toBe(403);
  });

  it('the audit trail verifies, and only administrators may ask', async () => {
    const verify = await app.call('GET', '/activity/verify', { as: await app.admin() });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.checked).toBeGreaterThan(20);
    expect((await app.call('GET', '/activity/verify', { as: story.sessions.alice })).status).toBe(403);
  });

  it('keeps everything across a restart on the same DATA_DIR, tokens included, and the audit chain continues', async () => {
    const before = (await app.call('GET', '/activity/verify', { as: await app.admin() })).body
      .checked as number;
    await app.close();
    app = await startExampleApp({ dataDir: data.dir });

    // The signing key is kept in DATA_DIR: a token issued before the restart still works.
    const tournament = await app.call('GET', `/tournaments/${story.tournamentId}`, {
      as: story.sessions.alice,
    });
    expect(tournament.body).toMatchObject({ status: 'finished', winnerId: story.users.bob });
    const login = await app.call('POST', '/auth/login', {
      body: { username: 'alice', password: PASSWORDS.alice },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { id: story.users.alice } });
    expect(
      (await app.call('POST', '/auth/login', { body: { username: 'alice', password: 'wrong-password' } }))
        .status,
    ).toBe(401);

    const after = await app.call('GET', '/activity/verify', { as: await app.admin() });
    expect(after.body.ok).toBe(true);
    expect(after.body.checked).toBeGreaterThan(before);
    // The admin is seeded once only.
    expect(app.bus.stats().byType['system.admin.seeded'] ?? 0).toBe(0);
  });
});
