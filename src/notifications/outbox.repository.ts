import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';

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
export class OutboxRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Inserts unless this event's email is already there; returns the stored row's id. */
  async add(email: OutboxEmail): Promise<string> {
    await this.db.execute(
      `INSERT INTO email_outbox (id, event_id, template, recipient, subject, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, template) DO NOTHING`,
      [email.id, email.eventId, email.template, email.recipient, email.subject, email.body, email.createdAt],
    );
    const row = await this.db.one<{ id: string }>(
      'SELECT id FROM email_outbox WHERE event_id = ? AND template = ?',
      [email.eventId, email.template],
    );
    return row?.id ?? email.id;
  }

  async forRecipient(recipient: string): Promise<OutboxEmail[]> {
    const rows = await this.db.query<Record<string, string>>(
      'SELECT * FROM email_outbox WHERE recipient = ? ORDER BY created_at, id',
      [recipient],
    );
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      template: r.template as OutboxEmail['template'],
      recipient: r.recipient,
      subject: r.subject,
      body: r.body,
      createdAt: r.created_at,
    }));
  }
}
