import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

export const AuthLoginSucceeded = defineEvent('auth.login.succeeded', {
  schema: z.object({ userId: z.string() }),
  audit: true,
  description: 'A user proved their password at POST /auth/login and got an access token.',
});

export const AuthLoginFailed = defineEvent('auth.login.failed', {
  schema: z.object({
    reason: z.enum(['unknown-user', 'wrong-password']),
    /** Only when the username named an existing user: what was typed is never kept (it may be a password). */
    userId: z.string().optional(),
  }),
  audit: true,
  severity: 'warning',
  description:
    'A login attempt failed. Carries the user id when the username exists; never what was typed in either field.',
});

const rejection = z.enum(['missing', 'malformed', 'invalid', 'expired', 'revoked']);
/** Why a request got no actor: no token, not a bearer token, bad signature or claims, expired, or revoked. */
export type ActorRejection = z.infer<typeof rejection>;

export const AuthActorRejected = defineEvent('auth.actor.rejected', {
  schema: z.object({ reason: rejection, route: z.string() }),
  severity: 'warning',
  description:
    'A request without a valid access token reached an operation that needs an actor (401): no token, ' +
    'a malformed header, a bad signature, an expired token, or one revoked by a password change.',
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
