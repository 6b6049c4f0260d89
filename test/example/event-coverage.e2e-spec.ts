import { InviteEntity } from '../../src/invites/invite.entity';
import { ALL_EVENT_TYPES, APP_EVENT_DEFINITIONS } from '../../src/events/event-catalog';
import { runTournamentScenario } from './support/scenario';
import { startExampleApp, tempDataDir, type ExampleApp, type Session } from './support/example-app';

/**
 * Drives every flow of the example app, its failures included, and checks that each event type the app
 * declares (its own, the plugin's and the CQRS bridge's) was really emitted at least once.
 */
describe('example app: every declared event type is emitted by some code path', () => {
  const data = tempDataDir();
  let app: ExampleApp;

  afterAll(() => data.remove());

  it('declares at least 50 event types, each with a description', () => {
    expect(new Set(ALL_EVENT_TYPES).size).toBe(ALL_EVENT_TYPES.length);
    expect(ALL_EVENT_TYPES.length).toBeGreaterThanOrEqual(50);
    for (const definition of APP_EVENT_DEFINITIONS)
      expect(definition.description).toEqual(expect.any(String));
  });

  it('emits each of them while the flows run', async () => {
    app = await startExampleApp({ dataDir: data.dir });
    const bus = app.bus;
    const story = await runTournamentScenario(app);
    const { alice, bob } = story.sessions;
    let { dave } = story.sessions;
    const carol = story.users.carol;
    const admin = await app.admin();
    const ok = async (
      method: string,
      path: string,
      as: Session | string | undefined,
      body: unknown,
      status: number,
    ) => {
      const reply = await app.call(method, path, { as, body });
      if (reply.status !== status)
        throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    };

    // users and auth
    await ok('PATCH', `/users/${dave.id}`, dave, { email: 'dave.new@example.com' }, 200);
    await ok(
      'PUT',
      `/users/${dave.id}/password`,
      dave,
      { currentPassword: 'dave-correct-horse', newPassword: 'dave-battery-staple' },
      204,
    );
    // The password change revoked dave's token: it is refused now, and he logs in again.
    await ok('GET', `/users/${dave.id}`, dave, undefined, 401);
    await ok('POST', '/auth/login', undefined, { username: 'nobody', password: 'dave-correct-horse' }, 401);
    await ok('POST', '/auth/login', undefined, { username: 'dave', password: 'dave-correct-horse' }, 401);
    dave = await app.login('dave', 'dave-battery-staple');
    await ok('PUT', `/users/${carol}/permission`, admin, { role: 'admin' }, 200);
    await ok('PUT', `/users/${carol}/permission`, admin, { role: 'user' }, 200);
    await ok('GET', '/users', bob, undefined, 403);
    await ok('GET', '/users', undefined, undefined, 401);

    // organizations: a second one, changed, with a member whose permission changes, then removed and deleted
    const org2 = await ok('POST', '/organizations', bob, { name: 'Second Org' }, 201);
    await ok('PATCH', `/organizations/${org2.id}`, bob, { description: 'now with a description' }, 200);
    await ok('POST', `/organizations/${org2.id}/members`, bob, { userId: dave.id }, 201);
    await ok(
      'PUT',
      `/organizations/${org2.id}/members/${dave.id}/permission`,
      bob,
      { permission: 'admin' },
      200,
    );
    await ok('DELETE', `/organizations/${org2.id}/members/${dave.id}`, dave, undefined, 204);

    // invites: rejected, expired by an admin, revoked, swept, and one that bounces for good
    const toDave = await ok(
      'POST',
      `/organizations/${org2.id}/invites`,
      bob,
      { email: 'dave.new@example.com' },
      201,
    );
    await ok('POST', `/invites/${toDave.id}/reject`, dave, undefined, 200);
    const toAlice = await ok(
      'POST',
      `/organizations/${org2.id}/invites`,
      bob,
      { email: 'alice@example.com' },
      201,
    );
    await ok('POST', `/invites/${toAlice.id}/expire`, bob, undefined, 200);
    const toCarol = await ok(
      'POST',
      `/organizations/${org2.id}/invites`,
      bob,
      { email: 'carol@example.com' },
      201,
    );
    await ok('DELETE', `/invites/${toCarol.id}`, bob, undefined, 204);
    const stale = await ok(
      'POST',
      `/organizations/${org2.id}/invites`,
      bob,
      { email: 'late@example.com' },
      201,
    );
    await app.dataSource
      .getRepository(InviteEntity)
      .update({ id: stale.id }, { expiresAt: new Date('2000-01-01T00:00:00.000Z') });
    expect(await ok('POST', '/invites/expire-stale', admin, undefined, 200)).toEqual({ expired: 1 });
    await ok('POST', `/organizations/${org2.id}/invites`, bob, { email: 'nobody@bounce.invalid' }, 201);

    // tournaments: one changed and deleted while a draft; a failing command
    const t2 = await ok(
      'POST',
      '/tournaments',
      bob,
      { organizationId: org2.id, name: 'Draft Cup', game: 'Tetris' },
      201,
    );
    await ok('PATCH', `/tournaments/${t2.id}`, bob, { game: 'Tetris 99' }, 200);
    await ok('POST', `/tournaments/${story.tournamentId}/start`, alice, undefined, 409);
    await ok('DELETE', `/tournaments/${t2.id}`, bob, undefined, 204);
    await ok('DELETE', `/organizations/${org2.id}`, bob, undefined, 204);

    // the audit trail and the trace
    expect((await ok('GET', '/activity/verify', admin, undefined, 200)).ok).toBe(true);
    await ok('GET', `/events/trace/${story.requests.approveRace}`, alice, undefined, 200);

    // user deletion last: dave leaves
    await ok('DELETE', `/users/${dave.id}`, dave, undefined, 204);
    await app.settle();

    // The bounced invitation email: three attempts, then a dead letter and event.handler.failed.
    expect(bus.deadLetters()).toEqual([
      expect.objectContaining({ handler: 'Notifications.invitationEmail', attempts: 3 }),
    ]);

    await app.close();
    const emitted = bus.stats().byType;
    const missing = ALL_EVENT_TYPES.filter((type) => !(emitted[type] > 0));
    expect(missing).toEqual([]);
  });
});
