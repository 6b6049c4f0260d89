import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

const template = z.enum(['welcome', 'invitation']);

export const EmailQueued = defineEvent('notification.email.queued', {
  schema: z.object({ outboxId: z.string(), template, recipient: z.string() }),
  description: 'The mail relay accepted an email; it is in the outbox table.',
});

export const EmailDeferred = defineEvent('notification.email.deferred', {
  schema: z.object({ template, recipient: z.string(), reason: z.string() }),
  severity: 'warning',
  description: 'The mail relay answered with a temporary failure; the listener’s retry policy tries again.',
});

export const NOTIFICATION_EVENTS = [EmailQueued, EmailDeferred] as const;
