import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EventBusService, OnEvent, type BusEvent, type EventData } from 'nestjs-event-bus';
import { newId, now } from '../common/clock';
import { InviteCreated } from '../invites/invites.events';
import { UserCreated } from '../users/users.events';
import { MailRelay, TransientMailError } from './mail-relay';
import { EmailDeferred, EmailQueued } from './notifications.events';
import { EmailOutboxRepository, type OutboxEmail } from './email-outbox.repository';

/** Three tries, 50 ms then 100 ms apart: enough for a greylisting relay, bounded for a bouncing one. */
const MAIL_RETRY = { attempts: 3, backoffMs: 50, factor: 2, maxBackoffMs: 1000 } as const;

/**
 * Sends emails in reaction to events, through a relay that fails transiently. The retry policy on `@OnEvent`
 * does the retrying; after the last failed attempt the bus keeps a dead letter and emits `event.handler.failed`.
 *
 * `idempotent: true` (the bus's inbox): each attempt runs in a transaction of its own that first records (event
 * id, handler); the email's row and `notification.email.queued` commit with that record. An event delivered twice
 * (a relay or a Redis consumer that died before it could acknowledge it) finds the record and sends nothing: one
 * email per event. A failed attempt rolls all of it back, and the retry starts afresh.
 */
@Injectable()
export class NotificationsListener {
  constructor(
    private readonly relay: MailRelay,
    private readonly outbox: EmailOutboxRepository,
    private readonly bus: EventBusService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  @OnEvent(UserCreated, { retry: MAIL_RETRY, idempotent: true, name: 'Notifications.welcomeEmail' })
  async welcome(event: BusEvent<EventData<typeof UserCreated>>): Promise<void> {
    await this.send(event, {
      template: 'welcome',
      recipient: event.data.email,
      subject: `Welcome, ${event.data.username}!`,
      body: `Hello ${event.data.username}, your account is ready. Create an organization or accept an invite to start.`,
    });
  }

  @OnEvent(InviteCreated, { retry: MAIL_RETRY, idempotent: true, name: 'Notifications.invitationEmail' })
  async invitation(event: BusEvent<EventData<typeof InviteCreated>>): Promise<void> {
    await this.send(event, {
      template: 'invitation',
      recipient: event.data.email,
      subject: 'You are invited to an organization',
      body: `Accept with POST /invites/${event.data.inviteId}/accept before ${event.data.expiresAt}.`,
    });
  }

  private async send(
    event: BusEvent,
    mail: Pick<OutboxEmail, 'template' | 'recipient' | 'subject' | 'body'>,
  ): Promise<void> {
    try {
      this.relay.accept({ key: `${event.id}:${mail.template}`, recipient: mail.recipient });
    } catch (error) {
      if (error instanceof TransientMailError) await this.announceDeferral(mail, error);
      throw error;
    }
    const outboxId = await this.outbox.add({ id: newId(), eventId: event.id, createdAt: now(), ...mail });
    this.bus.emit(EmailQueued, { outboxId, template: mail.template, recipient: mail.recipient });
  }

  /**
   * The relay's deferral is news whether or not this attempt commits (it will not: it throws next), so it is
   * emitted outside the attempt's transaction, at once, rather than into its outbox, which rolls back.
   */
  private announceDeferral(mail: Pick<OutboxEmail, 'template' | 'recipient'>, error: Error): Promise<void> {
    return this.txHost.withTransaction(Propagation.NotSupported, async () => {
      this.bus.emit(EmailDeferred, {
        template: mail.template,
        recipient: mail.recipient,
        reason: error.message,
      });
    });
  }
}
