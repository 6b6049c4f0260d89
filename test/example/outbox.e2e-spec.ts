import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { encodeEvent, OnEvent, type BusEvent, type EventData } from 'nestjs-event-bus';
import { OrganizationEntity } from '../../src/organizations/organization.entity';
import { OrganizationsService } from '../../src/organizations/organizations.service';
import { UserEntity } from '../../src/users/user.entity';
import { UserCreated } from '../../src/users/users.events';
import { parseExposition } from '../metrics/support/prometheus-text';
import { until } from '../support/wait';
import {
  onBothEngines,
  startExampleApp,
  type ExampleApp,
  type ExampleAppConfig,
} from './support/example-app';

/** What a listener of the test's own saw when it handled a sign-up. */
interface Sighting {
  userId: string;
  /** `TransactionHost` said a transaction was active in the handler. */
  inTransaction: boolean;
  /** The new user's row, read through `txHost.tx`, was there. */
  userVisible: boolean;
  /** What reading it threw, if it threw (a released query runner of the emitter's transaction, say). */
  error?: string;
}

/** A listener beside the app's: handles each sign-up by reading its user through `TransactionHost`. */
@Injectable()
class SignUpProbe {
  readonly seen: Sighting[] = [];

  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  @OnEvent(UserCreated, { name: 'Probe.signUp' })
  async signUp(event: BusEvent<EventData<typeof UserCreated>>): Promise<void> {
    const userId = event.data.userId;
    const inTransaction = this.txHost.isTransactionActive();
    try {
      const user = await this.txHost.tx.getRepository(UserEntity).findOneBy({ id: userId });
      this.seen.push({ userId, inTransaction, userVisible: user !== null });
    } catch (error) {
      this.seen.push({ userId, inTransaction, userVisible: false, error: String(error) });
    }
  }
}

/** Types of the app's domain events and their reactions' (the events its outbox carries). */
const DOMAIN = /^(user|organization|invite|notification|tournament)\./;

/**
 * The app's domain events go through the outbox: handled once their transaction committed, once each, out of
 * that transaction; never for a transaction that rolled back. The inbox makes the welcome email once per event.
 */
function outboxBehaves(config: () => ExampleAppConfig) {
  let app: ExampleApp;
  let probe: SignUpProbe;

  beforeAll(async () => {
    app = await startExampleApp(config(), ['error'], [SignUpProbe]);
    probe = app.app.get(SignUpProbe);
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Rows the relay has delivered since the app started (`events_outbox_published_total`). */
  async function relayed(): Promise<number> {
    const reply = await app.call('GET', '/metrics');
    return parseExposition(reply.body).value('events_outbox_published_total');
  }

  async function activity(correlationId: string): Promise<string[]> {
    const reply = await app.call('GET', `/activity?correlationId=${correlationId}`, {
      as: await app.admin(),
    });
    expect(reply.status).toBe(200);
    return reply.body.map((line: { summary: string }) => line.summary);
  }

  async function audited(correlationId: string): Promise<string[]> {
    await app.audit.flush();
    const { records } = await app.audit.query({ correlationId, limit: 1000 });
    return records.map((record) => record.type).filter((type) => DOMAIN.test(type));
  }

  /** Rows of `table` with `column` = `value`, read on the app's connection. */
  function rowsWhere(table: string, column: string, value: string): Promise<Record<string, unknown>[]> {
    const param = app.dataSource.options.type === 'postgres' ? '$1' : '?';
    return app.dataSource.query(`SELECT * FROM ${table} WHERE ${column} = ${param}`, [value]);
  }

  /** The app's domain events in a request's story, as the bus delivered them. */
  function story(correlationId: string): string[] {
    return app.bus
      .history({ correlationId })
      .map((event) => event.type)
      .filter((type) => DOMAIN.test(type));
  }

  it('handles a committed sign-up’s events once each, after the commit, outside the sign-up’s transaction', async () => {
    const before = await relayed();
    const reply = await app.call('POST', '/users', {
      body: { username: 'uma', email: 'uma@example.com', password: 'uma-password-1' },
    });
    expect(reply.status).toBe(201);
    await app.settle();

    const [created, ...again] = app.bus.history({ type: 'user.created', correlationId: reply.correlationId });
    expect(again).toEqual([]);
    expect(story(reply.correlationId).sort()).toEqual([
      'notification.email.deferred',
      'notification.email.queued',
      'user.created',
    ]);
    expect(await activity(reply.correlationId)).toEqual(['New user "uma" signed up']);
    expect(await audited(reply.correlationId)).toEqual(['user.created']);
    const emails = await rowsWhere('email_outbox', 'recipient', 'uma@example.com');
    expect(emails.map((row) => [row.template, row.event_id])).toEqual([['welcome', created.id]]);
    // Through the outbox: user.created from the sign-up's transaction, notification.email.queued from the
    // welcome email's (an inbox transaction); the greylisting deferral is emitted at once, outside both.
    expect((await relayed()) - before).toBe(2);
    expect(await app.outbox.inspect()).toEqual({ rows: 0, oldestAt: undefined });
    // The listener ran from the relay: no transaction of the emitter's in its context, and its reads work.
    expect(probe.seen.filter((s) => s.userId === reply.body.id)).toEqual([
      { userId: reply.body.id, inTransaction: false, userVisible: true },
    ]);
  });

  it('handles nothing of an invite acceptance that fails half-way: its invite.accepted is rolled back with it', async () => {
    const alice = await app.signUp('alice');
    const bob = await app.signUp('bob');
    const org = (await app.call('POST', '/organizations', { as: alice, body: { name: 'Speedrunners' } })).body
      .id;
    const invite = await app.call('POST', `/organizations/${org}/invites`, {
      as: alice,
      body: { email: 'bob@example.com' },
    });
    expect(invite.status).toBe(201);
    const added = await app.call('POST', `/organizations/${org}/members`, {
      as: alice,
      body: { userId: bob.id },
    });
    expect(added.status).toBe(201);
    await app.settle();
    const before = await relayed();

    // The invite is settled and invite.accepted emitted, then adding bob fails (a member already): rollback.
    const accept = await app.call('POST', `/invites/${invite.body.id}/accept`, { as: bob });
    expect(accept.status).toBe(409);
    await app.settle();

    expect(story(accept.correlationId)).toEqual([]);
    expect(app.bus.history({ type: 'invite.accepted' })).toEqual([]);
    expect(await activity(accept.correlationId)).toEqual([]);
    expect(await audited(accept.correlationId)).toEqual([]);
    expect(await relayed()).toBe(before);
    expect(await app.outbox.inspect()).toEqual({ rows: 0, oldestAt: undefined });
    const invites = (await app.call('GET', `/organizations/${org}/invites`, { as: alice })).body;
    expect(invites.map((i: { status: string }) => i.status)).toEqual(['pending']);
  });

  it('handles nothing of an organization whose owner cannot be added: organization.created is rolled back', async () => {
    const before = await relayed();
    const ghost = {
      id: 'no-such-user',
      username: 'ghost',
      email: 'ghost@example.com',
      role: 'user' as const,
    };
    await expect(
      app.app.get(OrganizationsService).create(ghost, { name: 'Ghost Town', description: '' }),
    ).rejects.toThrow();
    await app.settle();

    expect(await app.dataSource.getRepository(OrganizationEntity).countBy({ name: 'Ghost Town' })).toBe(0);
    const names = app.bus
      .history({ type: 'organization.created' })
      .map((e) => (e.data as { name: string }).name);
    expect(names).not.toContain('Ghost Town');
    expect(await relayed()).toBe(before);
  });

  it('sends the welcome email of a sign-up delivered twice once: the inbox skips the second delivery', async () => {
    const reply = await app.call('POST', '/users', {
      body: { username: 'vera', email: 'vera@example.com', password: 'vera-password-1' },
    });
    expect(reply.status).toBe(201);
    await app.settle();
    const [created] = app.bus.history({ type: 'user.created', correlationId: reply.correlationId });

    // The row again, as a relay that delivered it and died before deleting it leaves it for the next relay.
    const { headers, body } = encodeEvent(created);
    await app.outbox.enqueue(
      async (sql, params) => {
        await app.dataSource.query(sql, [...params]);
        return 1;
      },
      [{ eventId: created.id, type: created.type, key: created.correlationId, headers, body }],
    );
    const deliveries = () => app.bus.history({ type: 'user.created' }).filter((e) => e.id === created.id);
    await until(() => deliveries().length === 2, 10_000);
    await app.settle();

    const emails = await rowsWhere('email_outbox', 'recipient', 'vera@example.com');
    expect(emails.map((row) => [row.template, row.event_id])).toEqual([['welcome', created.id]]);
    const inbox = await rowsWhere('event_inbox', 'event_id', created.id);
    expect(inbox.map((row) => row.handler)).toEqual(['Notifications.welcomeEmail']);
    // One greylisted attempt and one accepted, both of the first delivery; the second sent nothing.
    expect(story(reply.correlationId).sort()).toEqual([
      'notification.email.deferred',
      'notification.email.queued',
      'user.created',
      'user.created',
    ]);
    // The activity line is keyed by the event's id, and the audit trail keeps an event once: one of each too.
    expect(await activity(reply.correlationId)).toEqual(['New user "vera" signed up']);
    expect(await audited(reply.correlationId)).toEqual(['user.created']);
  });
}

onBothEngines('domain events through the outbox and the inbox', 'example_outbox', outboxBehaves);
