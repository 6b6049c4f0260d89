import { JwtService } from '@nestjs/jwt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_SECRET_FILE } from '../../src/auth/token-secret';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../src/auth/token.service';
import { UserEntity } from '../../src/users/user.entity';
import { startExampleApp, tempDataDir, type ExampleApp, type Session } from './support/example-app';

/** A JWT with the given claims, signed with `secret` (the app's own, or another). */
function forge(secret: string, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  return new JwtService({ secret }).sign({
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    iat: now,
    exp: now + 600,
    ver: 0,
    ...claims,
  });
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('example app: authentication by access token', () => {
  const data = tempDataDir();
  let app: ExampleApp;
  let alice: Session;
  let bob: Session;
  let admin: Session;
  let secret: string;

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir });
    alice = await app.signUp('alice');
    bob = await app.signUp('bob');
    admin = await app.admin();
    secret = readFileSync(join(data.dir, TOKEN_SECRET_FILE), 'utf8').trim();
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  describe('login', () => {
    it('exchanges the password for a bearer token that names the user and expires', async () => {
      const reply = await app.call('POST', '/auth/login', {
        body: { username: 'alice', password: 'alice-password-1' },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expiresIn: 3600,
        user: expect.objectContaining({ id: alice.id, username: 'alice', role: 'user' }),
      });
      const claims = new JwtService({ secret }).verify(reply.body.accessToken);
      expect(claims).toMatchObject({ sub: alice.id, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, ver: 0 });
      expect(claims.exp - claims.iat).toBe(3600);
      const me = await app.call('GET', `/users/${alice.id}`, { as: reply.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('alice');
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      const wrong = await app.call('POST', '/auth/login', {
        body: { username: 'alice', password: 'not-her-password' },
      });
      const unknown = await app.call('POST', '/auth/login', {
        body: { username: 'nobody', password: 'whatever-password' },
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
    });
  });

  describe('a forged x-user-id gives nothing', () => {
    it.each([
      ['the admin’s id', () => admin.id],
      ['the old well-known admin id', () => 'admin'],
      ['another user’s id', () => alice.id],
    ])('with %s: 401 on a route that needs a user', async (_label, id) => {
      for (const [method, path] of [
        ['GET', '/activity'],
        ['GET', '/activity/verify'],
        ['GET', `/users/${alice.id}`],
        ['POST', '/organizations'],
      ]) {
        const reply = await app.call(method, path, {
          headers: { 'x-user-id': id() },
          body: method === 'POST' ? { name: 'Forged Org' } : undefined,
        });
        expect(reply.status).toBe(401);
      }
    });

    it('cannot promote itself: PUT /users/:id/permission with x-user-id of the admin is 401, role unchanged', async () => {
      const reply = await app.call('PUT', `/users/${bob.id}/permission`, {
        headers: { 'x-user-id': admin.id },
        body: { role: 'admin' },
      });
      expect(reply.status).toBe(401);
      expect((await app.call('GET', `/users/${bob.id}`, { as: bob })).body.role).toBe('user');
    });

    it('is not even noticed next to a valid token: the token decides', async () => {
      const reply = await app.call('GET', '/activity', { as: bob, headers: { 'x-user-id': admin.id } });
      expect(reply.status).toBe(403);
    });

    it('the admin has no well-known id', () => {
      expect(admin.id).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('tokens that are not good', () => {
    it.each<[string, () => string, RegExp]>([
      ['signed with another key', () => forge('x'.repeat(48), { sub: admin.id }), /not valid/],
      [
        'with a payload changed after signing (sub swapped for the admin)',
        () => {
          const [header, , signature] = bob.token.split('.');
          const claims = JSON.parse(Buffer.from(bob.token.split('.')[1], 'base64url').toString());
          return [header, base64url({ ...claims, sub: admin.id }), signature].join('.');
        },
        /not valid/,
      ],
      [
        'with alg "none"',
        () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: admin.id, ver: 0 })}.`,
        /not valid/,
      ],
      [
        'with alg "none" and a dummy signature',
        () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: admin.id, ver: 0 })}.x`,
        /not valid/,
      ],
      ['of another issuer', () => forge(secret, { sub: admin.id, iss: 'someone-else' }), /not valid/],
      ['for another audience', () => forge(secret, { sub: admin.id, aud: 'another-api' }), /not valid/],
      ['without a subject', () => forge(secret, {}), /not valid/],
      ['without a version', () => forge(secret, { sub: admin.id, ver: undefined }), /not valid/],
      [
        'expired',
        () => {
          const past = Math.floor(Date.now() / 1000) - 120;
          return forge(secret, { sub: admin.id, iat: past - 3600, exp: past });
        },
        /expired/,
      ],
      ['not a JWT at all', () => 'hello', /not valid/],
      ['10 KB long', () => 'a.b.'.padEnd(10_000, 'c'), /not valid/],
    ])('%s: 401', async (_label, token, message) => {
      const reply = await app.call('GET', '/activity', { as: token() });
      expect(reply.status).toBe(401);
      expect(reply.body.message).toMatch(message);
    });

    it.each([
      ['Basic credentials', 'Basic YWRtaW46YWRtaW4='],
      ['a bare token without "Bearer"', 'x.y.z'],
      ['"Bearer" and nothing', 'Bearer '],
    ])('an Authorization header with %s: 401', async (_label, value) => {
      const reply = await app.call('GET', '/activity', { headers: { authorization: value } });
      expect(reply.status).toBe(401);
      expect(reply.body.message).toMatch(/Bearer/);
    });

    it('a token forged with the real key but an old version is revoked', async () => {
      const reply = await app.call('GET', `/users/${bob.id}`, {
        as: forge(secret, { sub: bob.id, ver: -1 }),
      });
      expect(reply.status).toBe(401);
      expect(reply.body.message).toMatch(/no longer valid/);
    });

    it('each refusal is announced as auth.actor.rejected with its reason, never with the token', async () => {
      const expired = forge(secret, { sub: admin.id, iat: 1, exp: 2 });
      const reply = await app.call('GET', '/activity', { as: expired });
      const [event] = app.bus.history({ type: 'auth.actor.rejected', correlationId: reply.correlationId });
      expect(event.data).toEqual({ reason: 'expired', route: 'GET /activity' });
      expect(JSON.stringify(app.bus.history())).not.toContain(expired);
    });

    it('a public route still works with a stale token, so a client can log in again', async () => {
      const reply = await app.call('POST', '/auth/login', {
        as: 'stale.token.value',
        body: { username: 'bob', password: 'bob-password-1' },
      });
      expect(reply.status).toBe(200);
    });
  });

  describe('a password change revokes older tokens', () => {
    it('refuses every token issued before the change, the one that made it included', async () => {
      const carol = await app.signUp('carol');
      const otherDevice = await app.login('carol', 'carol-password-1');
      expect((await app.call('GET', `/users/${carol.id}`, { as: otherDevice })).status).toBe(200);

      const change = await app.call('PUT', `/users/${carol.id}/password`, {
        as: carol,
        body: { currentPassword: 'carol-password-1', newPassword: 'carol-new-password-2' },
      });
      expect(change.status).toBe(204);

      for (const old of [carol, otherDevice]) {
        const reply = await app.call('GET', `/users/${carol.id}`, { as: old });
        expect(reply.status).toBe(401);
        expect(reply.body.message).toMatch(/no longer valid/);
      }
      expect(
        (await app.call('POST', '/auth/login', { body: { username: 'carol', password: 'carol-password-1' } }))
          .status,
      ).toBe(401);
      const fresh = await app.login('carol', 'carol-new-password-2');
      expect((await app.call('GET', `/users/${carol.id}`, { as: fresh })).status).toBe(200);
    });

    it('refuses the token of a deleted account', async () => {
      const dave = await app.signUp('dave');
      expect((await app.call('DELETE', `/users/${dave.id}`, { as: dave })).status).toBe(204);
      expect((await app.call('GET', '/organizations', { as: dave })).status).toBe(401);
    });

    it('applies a role change at once, without a new token', async () => {
      const erin = await app.signUp('erin');
      expect((await app.call('GET', '/activity', { as: erin })).status).toBe(403);
      await app.call('PUT', `/users/${erin.id}/permission`, { as: admin, body: { role: 'admin' } });
      expect((await app.call('GET', '/activity', { as: erin })).status).toBe(200);
      await app.call('PUT', `/users/${erin.id}/permission`, { as: admin, body: { role: 'user' } });
      expect((await app.call('GET', '/activity', { as: erin })).status).toBe(403);
    });
  });

  describe('per-object checks', () => {
    const shape = (body: { message: string }, id: string) => ({
      ...body,
      message: body.message.replace(id, '<id>'),
    });

    it('a user reads their own profile; another’s answers like an unknown id', async () => {
      expect((await app.call('GET', `/users/${alice.id}`, { as: alice })).status).toBe(200);
      const others = await app.call('GET', `/users/${alice.id}`, { as: bob });
      const unknown = await app.call('GET', '/users/00000000-0000-4000-8000-000000000000', { as: bob });
      expect(others.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(shape(others.body, alice.id)).toEqual(
        shape(unknown.body, '00000000-0000-4000-8000-000000000000'),
      );
      expect(JSON.stringify(others.body)).not.toContain('alice@example.com');
      expect((await app.call('GET', `/users/${alice.id}`, { as: admin })).body.email).toBe(
        'alice@example.com',
      );
    });

    it('members of an organization see it and its members; others get the 404 of an unknown id', async () => {
      const org = await app.call('POST', '/organizations', { as: alice, body: { name: 'Alice Club' } });
      expect(org.status).toBe(201);
      const outsider = await app.call('GET', `/organizations/${org.body.id}`, { as: bob });
      const unknown = await app.call('GET', '/organizations/no-such-org', { as: bob });
      expect(outsider.status).toBe(404);
      expect(shape(outsider.body, org.body.id)).toEqual(shape(unknown.body, 'no-such-org'));
      expect(JSON.stringify(outsider.body)).not.toContain(alice.id);

      await app.call('POST', `/organizations/${org.body.id}/members`, {
        as: alice,
        body: { userId: bob.id },
      });
      const member = await app.call('GET', `/organizations/${org.body.id}`, { as: bob });
      expect(member.status).toBe(200);
      expect(member.body.members.map((m: { username: string }) => m.username).sort()).toEqual([
        'alice',
        'bob',
      ]);
      expect(
        (await app.call('GET', '/organizations', { as: bob })).body.map((o: { id: string }) => o.id),
      ).toContain(org.body.id);
      expect((await app.call('GET', `/organizations/${org.body.id}`, { as: admin })).status).toBe(200);
      // A member may see it, but only its owner may delete it.
      expect((await app.call('DELETE', `/organizations/${org.body.id}`, { as: bob })).status).toBe(403);
    });
  });
});

describe('example app: login and sign-up are rate-limited', () => {
  const data = tempDataDir();
  let app: ExampleApp;

  beforeAll(async () => {
    app = await startExampleApp({ dataDir: data.dir, authRateLimit: 3, authRateWindowMs: 60_000 });
  });

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('answers 429 with Retry-After once a client made the limit of login attempts in the window', async () => {
    const attempt = () =>
      app.call('POST', '/auth/login', { body: { username: 'admin', password: 'guess-number-n' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right password waits: the limit is on attempts, not on failures.
    const right = await app.call('POST', '/auth/login', {
      body: { username: 'admin', password: app.config.adminPassword },
    });
    expect(right.status).toBe(429);
    const [rejected] = app.bus.history({
      type: 'api.request.rejected',
      correlationId: limited.correlationId,
    });
    expect(rejected.data).toMatchObject({ status: 429, reason: 'rate-limited' });
    expect(app.bus.history({ type: 'auth.login.failed', correlationId: limited.correlationId })).toEqual([]);
  });

  it('limits sign-ups on their own count', async () => {
    const signUp = (n: number) =>
      app.call('POST', '/users', {
        body: { username: `user${n}`, email: `user${n}@example.com`, password: 'long-enough-1' },
      });
    for (let i = 0; i < 3; i++) expect((await signUp(i)).status).toBe(201);
    expect((await signUp(3)).status).toBe(429);
    expect(await app.dataSource.getRepository(UserEntity).findOneBy({ username: 'user3' })).toBeNull();
  });

  it('does not limit the other routes', async () => {
    for (let i = 0; i < 5; i++) expect((await app.call('GET', '/health')).status).toBe(200);
  });
});
