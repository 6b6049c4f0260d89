import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

const ref = { inviteId: z.string(), organizationId: z.string() };

export const InviteCreated = defineEvent('invite.created', {
  schema: z.object({
    ...ref,
    email: z.string(),
    permission: z.enum(['admin', 'member']),
    expiresAt: z.string(),
  }),
  audit: true,
  distributed: true,
  description: 'An organization admin invited someone by email; an invitation email follows.',
});

export const InviteAccepted = defineEvent('invite.accepted', {
  schema: z.object({ ...ref, userId: z.string() }),
  audit: true,
  description: 'The invited user accepted and became a member (organization.member.added follows).',
});

export const InviteRejected = defineEvent('invite.rejected', {
  schema: z.object({ ...ref, userId: z.string() }),
  audit: true,
  description: 'The invited user declined.',
});

export const InviteExpired = defineEvent('invite.expired', {
  schema: z.object({ ...ref, by: z.enum(['admin', 'sweeper']) }),
  audit: true,
  description:
    'A pending invite expired: ended by an admin, or found past its expiry by the background sweep.',
});

export const InviteRevoked = defineEvent('invite.revoked', {
  schema: z.object(ref),
  audit: true,
  description: 'An organization admin withdrew a pending invite.',
});

export const InviteSweepCompleted = defineEvent('invite.sweep.completed', {
  schema: z.object({ expired: z.number().int().min(0), trigger: z.enum(['schedule', 'admin']) }),
  severity: 'debug',
  description: 'The sweep of pending invites past their expiry ran (on its schedule or asked by an admin).',
});

export const INVITE_EVENTS = [
  InviteCreated,
  InviteAccepted,
  InviteRejected,
  InviteExpired,
  InviteRevoked,
  InviteSweepCompleted,
] as const;
