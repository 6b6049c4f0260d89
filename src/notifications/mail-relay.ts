import { Injectable } from '@nestjs/common';

/** A 4xx SMTP answer: try again later. */
export class TransientMailError extends Error {
  override readonly name = 'TransientMailError';
}

/** A 5xx SMTP answer: this address will never accept mail. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}

export interface MailMessage {
  /** Identifies the message across retries (the event id and the template). */
  key: string;
  recipient: string;
}

const MAX_REMEMBERED = 10_000;

/**
 * A stand-in for an SMTP relay that greylists: the first delivery attempt of every message is deferred with a
 * temporary error (as real greylisting servers do), a retry is accepted. Addresses on the reserved `.invalid`
 * top-level domain bounce permanently. Lets the example show retries and dead letters with no mail server.
 */
@Injectable()
export class MailRelay {
  private readonly seen = new Set<string>();

  accept(message: MailMessage): void {
    if (message.recipient.toLowerCase().endsWith('.invalid')) {
      throw new PermanentMailError(`550 5.1.2 ${message.recipient}: no such domain.`);
    }
    if (!this.seen.has(message.key)) {
      if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
      this.seen.add(message.key);
      throw new TransientMailError('451 4.7.1 Greylisted, please try again later.');
    }
    this.seen.delete(message.key);
  }
}
