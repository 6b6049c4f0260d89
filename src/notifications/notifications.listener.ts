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
 */
@Injectable()
export class NotificationsListener {
  constructor(
    private readonly relay: MailRelay,
    private readonly outbox: EmailOutboxRepository,
    private readonly bus: EventBusService,
  ) {}

  @OnEvent(UserCreated, { retry: MAIL_RETRY, name: 'Notifications.welcomeEmail' })
  async welcome(event: BusEvent<EventData<typeof UserCreated>>): Promise<void> {
    await this.send(event, {
      template: 'welcome',
      recipient: event.data.email,
      subject: `Welcome, ${event.data.username}!`,
      body: `Hello ${event.data.username}, your account is ready. Create an organization or accept an invite to start.`,
    });
  }

  @OnEvent(InviteCreated, { retry: MAIL_RETRY, name: 'Notifications.invitationEmail' })
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
      if (error instanceof TransientMailError) {
        this.bus.emit(EmailDeferred, {
          template: mail.template,
          recipient: mail.recipient,
          reason: error.message,
        });
      }
      throw error;
    }
    const outboxId = await this.outbox.add({ id: newId(), eventId: event.id, createdAt: now(), ...mail });
    this.bus.emit(EmailQueued, { outboxId, template: mail.template, recipient: mail.recipient });
  }
}
