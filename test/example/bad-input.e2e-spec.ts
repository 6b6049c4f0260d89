import { startExampleApp, tempDataDir, type ExampleApp, type Session } from './support/example-app';

const DOMAIN = /^(user|organization|invite|tournament)\./;
const TABLES = [
  'users',
  'organizations',
  'organization_members',
  'invites',
  'tournaments',
  'races',
  'matches',
];

describe('example app: bad input gets the right status and writes nothing', () => {
  const data = tempDataDir();
  let app: ExampleApp;
  let alice: Session;
  let bob: Session;
  let admin: Session;
  let org: string;
  let tournament: string;

  async function snapshot(): Promise<{
    rows: Record<string, number>;
    domainEvents: number;
    audited: number;
  }> {
    const rows: Record<string, number> = {};
    for (const table of TABLES) rows[table] = await app.dataSource.getRepository(table).count();
    const byType = app.bus.stats().byType;
    const domainEvents = Object.entries(byType)
      .filter(([type]) => DOMAIN.test(type))
      .reduce((sum, [, n]) => sum + n, 0);
    await app.audit.flush();
    // Refusals themselves are audited (auth.access.denied, command.execution.failed); domain records are not.
    const audited = (await app.audit.query({ limit: 1000 })).records.filter((r) =>
      DOMAIN.test(r.type),
    ).length;
    return { rows, domainEvents, audited };
  }

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir });
    alice = await app.signUp('alice');
    bob = await app.signUp('bob');
    admin = await app.admin();
    org = (await app.call('POST', '/organizations', { as: alice, body: { name: 'Speedrunners' } })).body.id;
    tournament = (
      await app.call('POST', '/tournaments', {
        as: alice,
        body: { organizationId: org, name: 'Cup', game: 'Celeste' },
      })
    ).body.id;
    await app.settle();
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  const cases: [
    string,
    string,
    string,
    () => { as?: Session | string; body?: unknown; headers?: Record<string, string> },
    number,
    RegExp?,
  ][] = [
    [
      'sign-up without a password',
      'POST',
      '/users',
      () => ({ body: { username: 'carol', email: 'carol@example.com' } }),
      400,
      /password/,
    ],
    [
      'sign-up with a bad email',
      'POST',
      '/users',
      () => ({ body: { username: 'carol', email: 'nope', password: 'long-enough-1' } }),
      400,
      /email/,
    ],
    [
      'sign-up with a short password',
      'POST',
      '/users',
      () => ({ body: { username: 'carol', email: 'c@example.com', password: 'short' } }),
      400,
      /password: must be at least 8/,
    ],
    [
      'sign-up with an unknown field',
      'POST',
      '/users',
      () => ({
        body: { username: 'carol', email: 'c@example.com', password: 'long-enough-1', role: 'admin' },
      }),
      400,
      /role|Unrecognized/i,
    ],
    ['sign-up with malformed JSON', 'POST', '/users', () => ({ body: '{"username": ' }), 400],
    [
      'a taken username',
      'POST',
      '/users',
      () => ({ body: { username: 'alice', email: 'other@example.com', password: 'long-enough-1' } }),
      409,
      /username/,
    ],
    [
      'a taken email',
      'POST',
      '/users',
      () => ({ body: { username: 'alice2', email: 'ALICE@example.com', password: 'long-enough-1' } }),
      409,
      /email/,
    ],
    ['no token', 'POST', '/organizations', () => ({ body: { name: 'Nope' } }), 401, /Authorization: Bearer/],
    [
      'a forged x-user-id instead of a token',
      'POST',
      '/organizations',
      () => ({ headers: { 'x-user-id': alice.id }, body: { name: 'Nope' } }),
      401,
      /log in/i,
    ],
    [
      'a token that is not one',
      'POST',
      '/organizations',
      () => ({ as: 'not-a-token', body: { name: 'Nope' } }),
      401,
      /not valid/,
    ],
    [
      'a duplicate organization name',
      'POST',
      '/organizations',
      () => ({ as: bob, body: { name: 'speedrunners' } }),
      409,
    ],
    [
      'an organization name too short',
      'POST',
      '/organizations',
      () => ({ as: bob, body: { name: 'x' } }),
      400,
      /name/,
    ],
    [
      'a permission change by a non-admin',
      'PUT',
      '/users/:bob/permission',
      () => ({ as: alice, body: { role: 'admin' } }),
      403,
    ],
    [
      'a permission that does not exist',
      'PUT',
      '/users/:bob/permission',
      () => ({ as: admin, body: { role: 'god' } }),
      400,
      /role/,
    ],
    [
      'a permission change of an unknown user',
      'PUT',
      '/users/nobody/permission',
      () => ({ as: admin, body: { role: 'admin' } }),
      404,
    ],
    ['deleting another user', 'DELETE', '/users/:alice', () => ({ as: bob }), 403],
    ['reading another user’s profile', 'GET', '/users/:alice', () => ({ as: bob }), 404, /No user/],
    ['reading an organization as a non-member', 'GET', '/organizations/:org', () => ({ as: bob }), 404],
    ['reading a tournament as a non-member', 'GET', '/tournaments/:tournament', () => ({ as: bob }), 404],
    [
      'adding a member as a non-member',
      'POST',
      '/organizations/:org/members',
      () => ({ as: bob, body: { userId: bob.id } }),
      403,
    ],
    [
      'adding an unknown user',
      'POST',
      '/organizations/:org/members',
      () => ({ as: alice, body: { userId: 'nobody' } }),
      404,
    ],
    [
      'adding someone already a member',
      'POST',
      '/organizations/:org/members',
      () => ({ as: alice, body: { userId: alice.id } }),
      409,
    ],
    [
      'granting owner',
      'POST',
      '/organizations/:org/members',
      () => ({ as: alice, body: { userId: bob, permission: 'owner' } }),
      400,
    ],
    [
      'an unknown organization',
      'PATCH',
      '/organizations/nope',
      () => ({ as: alice, body: { name: 'New name' } }),
      404,
    ],
    [
      'inviting a bad email',
      'POST',
      '/organizations/:org/invites',
      () => ({ as: alice, body: { email: 'not-an-email' } }),
      400,
      /email/,
    ],
    [
      'inviting an existing member',
      'POST',
      '/organizations/:org/invites',
      () => ({ as: alice, body: { email: 'alice@example.com' } }),
      409,
    ],
    ['accepting an unknown invite', 'POST', '/invites/nope/accept', () => ({ as: bob }), 404],
    [
      'a tournament in an unknown organization',
      'POST',
      '/tournaments',
      () => ({ as: alice, body: { organizationId: 'nope', name: 'Cup 2', game: 'x' } }),
      404,
    ],
    [
      'a tournament by a non-member',
      'POST',
      '/tournaments',
      () => ({ as: bob, body: { organizationId: org, name: 'Cup 2', game: 'x' } }),
      403,
    ],
    [
      'a duplicate tournament name',
      'POST',
      '/tournaments',
      () => ({ as: alice, body: { organizationId: org, name: 'cup', game: 'x' } }),
      409,
    ],
    [
      'starting without participants',
      'POST',
      '/tournaments/:tournament/start',
      () => ({ as: alice }),
      409,
      /2 participants/,
    ],
    [
      'a race in a draft tournament',
      'POST',
      '/tournaments/:tournament/races',
      () => ({ as: alice, body: { timeMs: 1000 } }),
      409,
    ],
    [
      'a negative race time',
      'POST',
      '/tournaments/:tournament/races',
      () => ({ as: alice, body: { timeMs: -5 } }),
      400,
      /timeMs/,
    ],
    [
      'a fractional race time',
      'POST',
      '/tournaments/:tournament/races',
      () => ({ as: alice, body: { timeMs: 1.5 } }),
      400,
      /timeMs/,
    ],
    [
      'a match against oneself',
      'POST',
      '/tournaments/:tournament/matches',
      () => ({
        as: alice,
        body: { playerA: alice.id, playerB: alice.id, scheduledAt: '2026-12-01T18:00:00Z' },
      }),
      400,
      /differ/,
    ],
    [
      'a match with a bad date',
      'POST',
      '/tournaments/:tournament/matches',
      () => ({ as: alice, body: { playerA: alice.id, playerB: bob.id, scheduledAt: 'tomorrow' } }),
      400,
      /scheduledAt/,
    ],
    ['an unknown tournament', 'POST', '/tournaments/nope/end', () => ({ as: alice }), 404],
    ['listing users as a non-admin', 'GET', '/users', () => ({ as: bob }), 403],
  ];

  // Every row gets all six columns, or Jest would pass its `done` callback as the missing message.
  const rows = cases.map(
    ([name, method, path, request, status, message]) =>
      [name, method, path, request, status, message] as const,
  );

  it.each(rows)('%s: %s %s', async (_name, method, rawPath, request, status, message) => {
    const before = await snapshot();
    const path = rawPath
      .replace(':alice', alice.id)
      .replace(':bob', bob.id)
      .replace(':org', org)
      .replace(':tournament', tournament);
    const reply = await app.call(method, path, request());
    expect(reply.status).toBe(status);
    if (message) expect(reply.body.message).toMatch(message);
    await app.settle();
    expect(await snapshot()).toEqual(before);
    // Each refusal is announced (never with the request body). Malformed JSON is refused by the body parser,
    // which runs before any request context exists: nothing to announce it in.
    if (rawPath === '/users' && typeof request().body === 'string') return;
    const rejected = app.bus.history({ type: 'api.request.rejected', correlationId: reply.correlationId });
    expect(rejected).toEqual([expect.objectContaining({ data: expect.objectContaining({ status }) })]);
  });

  it('lists every issue of a body with its path', async () => {
    const reply = await app.call('POST', '/users', { body: { username: 'a', email: 'x', password: '1' } });
    expect(reply.status).toBe(400);
    expect(reply.body.issues.map((i: any) => i.path).sort()).toEqual(['email', 'password', 'username']);
  });
});
