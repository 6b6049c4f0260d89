import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { EmailOutboxEntity } from './email-outbox.entity';

export interface OutboxEmail {
  id: string;
  eventId: string;
  template: 'welcome' | 'invitation';
  recipient: string;
  subject: string;
  body: string;
  createdAt: string;
}

/** Emails handed to the relay, one row per (event, template): a retried delivery never writes twice. */
@Injectable()
export class EmailOutboxRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get emails(): Repository<EmailOutboxEntity> {
    return this.txHost.tx.getRepository(EmailOutboxEntity);
  }

  /** Inserts unless this event's email is already there; returns the stored row's id. */
  async add(email: OutboxEmail): Promise<string> {
    await this.emails
      .createQueryBuilder()
      .insert()
      .values({ ...email, createdAt: new Date(email.createdAt) })
      .orIgnore()
      .execute();
    const stored = await this.emails.findOne({
      where: { eventId: email.eventId, template: email.template },
      select: { id: true },
    });
    return stored?.id ?? email.id;
  }

  async forRecipient(recipient: string): Promise<OutboxEmail[]> {
    const rows = await this.emails.find({ where: { recipient }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
  }
}
