import { Module } from '@nestjs/common';
import { MailRelay } from './mail-relay';
import { NotificationsListener } from './notifications.listener';
import { OutboxRepository } from './outbox.repository';

@Module({ providers: [MailRelay, OutboxRepository, NotificationsListener], exports: [OutboxRepository] })
export class NotificationsModule {}
