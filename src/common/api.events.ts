import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

/** A request was answered with a 4xx: what was wrong, never the request body. */
export const ApiRequestRejected = defineEvent('api.request.rejected', {
  schema: z.object({
    status: z.number().int(),
    reason: z.enum([
      'invalid-input',
      'unauthenticated',
      'forbidden',
      'not-found',
      'conflict',
      'rate-limited',
      'other',
    ]),
    message: z.string(),
  }),
  severity: 'warning',
  description:
    'A request was refused with a 4xx status (invalid input, no valid token, forbidden, not found, conflict, ' +
    'too many login or sign-up attempts).',
});

export const API_EVENTS = [ApiRequestRejected] as const;
