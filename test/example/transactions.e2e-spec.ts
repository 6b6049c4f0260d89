import { isUniqueViolation } from '../../src/database/database.errors';
import { OrganizationEntity } from '../../src/organizations/organization.entity';
import { OrganizationsRepository } from '../../src/organizations/organizations.repository';
import { OrganizationsService } from '../../src/organizations/organizations.service';
import { UsersRepository } from '../../src/users/users.repository';
import {
  onBothEngines,
  startExampleApp,
  type ExampleApp,
  type ExampleAppConfig,
} from './support/example-app';

/** The error `promise` rejects with (fails when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A service's `@Transactional()` work either commits whole or leaves nothing behind; conflicts stay 409. */
function transactionsBehave(config: () => ExampleAppConfig) {
  let app: ExampleApp;

  beforeAll(async () => {
    app = await startExampleApp(config());
  });

  afterAll(async () => {
    await app?.close();
  });

  it('commits a @Transactional() write, then emits in the request’s story: handlers write under its correlation id', async () => {
    const owner = await app.signUp('olive');
    const created = await app.call('POST', '/organizations', { as: owner, body: { name: 'Committed' } });
    expect(created.status).toBe(201);
    expect(created.body.members).toEqual([
      expect.objectContaining({ userId: owner.id, permission: 'owner' }),
    ]);
    await app.settle();
    const events = app.bus.history({ correlationId: created.correlationId });
    expect(events.filter((e) => e.type.startsWith('organization.'))).toEqual([
      expect.objectContaining({ type: 'organization.created', actorId: owner.id }),
      expect.objectContaining({ type: 'organization.member.added', actorId: owner.id }),
    ]);
    const lines = await app.call('GET', `/activity?correlationId=${created.correlationId}`, {
      as: await app.admin(),
    });
    expect(lines.body.map((line: any) => line.summary).sort()).toEqual([
      'olive created organization "Committed"',
      'olive is the owner of "Committed"',
    ]);
  });

  it('an invite accepted by someone already a member is refused, and stays pending: its settling is rolled back', async () => {
    const alice = await app.signUp('alice');
    const bob = await app.signUp('bob');
    const org = (await app.call('POST', '/organizations', { as: alice, body: { name: 'Speedrunners' } })).body
      .id;
    const invite = await app.call('POST', `/organizations/${org}/invites`, {
      as: alice,
      body: { email: 'bob@example.com', permission: 'admin' },
    });
    expect(invite.status).toBe(201);
    // Bob becomes a member another way while the invite is out.
    expect(
      (await app.call('POST', `/organizations/${org}/members`, { as: alice, body: { userId: bob.id } }))
        .status,
    ).toBe(201);

    // Accepting first marks the invite accepted, then finds bob a member already and throws: half-way.
    const accept = await app.call('POST', `/invites/${invite.body.id}/accept`, { as: bob });
    expect(accept.status).toBe(409);
    expect(accept.body.message).toBe('You are already a member of this organization.');

    const invites = (await app.call('GET', `/organizations/${org}/invites`, { as: alice })).body;
    expect(invites).toEqual([
      expect.objectContaining({ id: invite.body.id, status: 'pending', respondedAt: null }),
    ]);
    const members = (await app.call('GET', `/organizations/${org}`, { as: alice })).body.members;
    expect(members.map((m: any) => [m.username, m.permission])).toEqual([
      ['alice', 'owner'],
      ['bob', 'member'],
    ]);
    expect(app.bus.history({ type: 'invite.accepted' })).toEqual([]);
  });

  it('an organization whose owner cannot be added is not written at all', async () => {
    const organizations = app.app.get(OrganizationsService);
    const count = () => app.dataSource.getRepository(OrganizationEntity).count();
    const before = await count();
    // No such user: the organization row goes in, then the owner's membership breaks its foreign key.
    const ghost = {
      id: 'no-such-user',
      username: 'ghost',
      email: 'ghost@example.com',
      role: 'user' as const,
    };
    const error = await rejectionOf(organizations.create(ghost, { name: 'Ghost Town', description: '' }));
    expect(error).toBeInstanceOf(Error);
    expect(isUniqueViolation(error)).toBe(false);

    expect(await count()).toBe(before);
    expect(await app.app.get(OrganizationsRepository).findByName('Ghost Town')).toBeUndefined();
    expect(
      app.bus.history({ type: 'organization.created' }).map((e) => (e.data as { name: string }).name),
    ).not.toContain('Ghost Town');
  });

  it('answers 409, never 500, when sign-ups race for one username', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.call('POST', '/users', {
          body: { username: 'racer', email: `racer${i}@example.com`, password: 'racer-password-1' },
        }),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(
      (await app.call('GET', '/users?limit=100', { as: await app.admin() })).body.filter(
        (u: any) => u.username === 'racer',
      ),
    ).toHaveLength(1);
  });

  it('recognises a unique violation from this engine, and nothing else as one', async () => {
    const users = app.app.get(UsersRepository);
    const existing = (await users.findByUsername('alice'))!;
    const duplicate = await rejectionOf(
      users.insert({ ...existing, id: 'another-id', email: 'new@example.com' }),
    );
    expect(isUniqueViolation(duplicate)).toBe(true);
    const organizations = app.app.get(OrganizationsRepository);
    const dangling = await rejectionOf(
      organizations.addMember('no-such-org', existing.id, 'member', new Date().toISOString()),
    );
    expect(isUniqueViolation(dangling)).toBe(false);
  });
}

onBothEngines('transactions and conflicts', 'example_tx', transactionsBehave);
