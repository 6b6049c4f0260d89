import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TimestampColumn } from '../database/timestamp.column';

/** A row of `email_outbox`: an email handed to the relay, one per (event, template). */
@Entity({ name: 'email_outbox' })
@Unique('email_outbox_event_id_template_key', ['eventId', 'template'])
@Index('email_outbox_by_recipient', ['recipient'])
export class EmailOutboxEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'text' })
  template!: 'welcome' | 'invitation';

  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @TimestampColumn('created_at')
  createdAt!: Date;
}
