import { InviteEntity } from '../../src/invites/invite.entity';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

describe('example app: the background invite sweep', () => {
  const data = tempDataDir();
  let app: ExampleApp;

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('expires stale invites on its timer, each sweep one correlation id of its own', async () => {
    app = await startExampleApp({ dataDir: data.dir, inviteSweepMs: 50 });
    const alice = await app.signUp('alice');
    const org = (await app.call('POST', '/organizations', { as: alice, body: { name: 'Sweepers' } })).body.id;
    const invite = await app.call('POST', `/organizations/${org}/invites`, {
      as: alice,
      body: { email: 'x@example.com' },
    });
    expect(invite.status).toBe(201);

    const expired = app.bus.waitFor('invite.expired', { timeoutMs: 10_000 });
    await app.dataSource
      .getRepository(InviteEntity)
      .update({ id: invite.body.id }, { expiresAt: new Date('2000-01-01T00:00:00.000Z') });
    const event = await expired;

    expect(event.data).toEqual({ inviteId: invite.body.id, organizationId: org, by: 'sweeper' });
    expect(event.actorId).toBeUndefined();
    expect(event.correlationId).not.toBe(invite.correlationId);
    const sweep = app.bus.history({ type: 'invite.sweep.completed', correlationId: event.correlationId });
    expect(sweep.map((e) => e.data)).toEqual([{ expired: 1, trigger: 'schedule' }]);
    expect(await app.dataSource.getRepository(InviteEntity).findOneBy({ id: invite.body.id })).toMatchObject({
      status: 'expired',
    });
  });
});
