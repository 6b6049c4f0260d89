import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

export const AuthLoginSucceeded = defineEvent('auth.login.succeeded', {
  schema: z.object({ userId: z.string() }),
  audit: true,
  description: 'A user proved their password at POST /auth/login.',
});

export const AuthLoginFailed = defineEvent('auth.login.failed', {
  schema: z.object({ username: z.string(), reason: z.enum(['unknown-user', 'wrong-password']) }),
  audit: true,
  severity: 'warning',
  description: 'A login attempt failed (the password itself is never part of the event).',
});

export const AuthActorRejected = defineEvent('auth.actor.rejected', {
  schema: z.object({ reason: z.enum(['missing', 'malformed', 'unknown-user']), route: z.string() }),
  severity: 'warning',
  description: 'A request without a usable x-user-id header reached an operation that needs an actor (401).',
});

export const AuthAccessDenied = defineEvent('auth.access.denied', {
  schema: z.object({ actorId: z.string(), action: z.string(), reason: z.string() }),
  audit: true,
  severity: 'warning',
  description: 'A known user tried an operation their permissions do not allow (403).',
});

export const AUTH_EVENTS = [
  AuthLoginSucceeded,
  AuthLoginFailed,
  AuthActorRejected,
  AuthAccessDenied,
] as const;
