import { Module } from '@nestjs/common';
import { MailRelay } from './mail-relay';
import { NotificationsListener } from './notifications.listener';
import { EmailOutboxRepository } from './email-outbox.repository';

/** The email outbox and the relay emails go through. */
@Module({ providers: [MailRelay, EmailOutboxRepository], exports: [MailRelay, EmailOutboxRepository] })
export class NotificationsModule {}

/** Sends the emails events call for: in the one process, or in the worker when the app runs as two. */
@Module({ imports: [NotificationsModule], providers: [NotificationsListener] })
export class NotificationsListenersModule {}
