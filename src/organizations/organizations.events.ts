import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

export const MemberPermission = z.enum(['owner', 'admin', 'member']);
export type MemberPermission = z.infer<typeof MemberPermission>;

export const OrganizationCreated = defineEvent('organization.created', {
  schema: z.object({ organizationId: z.string(), name: z.string(), ownerId: z.string() }),
  audit: true,
  description: 'A user created an organization and became its owner.',
});

export const OrganizationUpdated = defineEvent('organization.updated', {
  schema: z.object({ organizationId: z.string(), changed: z.array(z.enum(['name', 'description'])).min(1) }),
  audit: true,
  description: 'An organization’s name or description changed.',
});

export const OrganizationDeleted = defineEvent('organization.deleted', {
  schema: z.object({ organizationId: z.string(), name: z.string() }),
  audit: true,
  severity: 'warning',
  description: 'An organization was deleted with its members, invites and tournaments.',
});

export const MemberAdded = defineEvent('organization.member.added', {
  schema: z.object({
    organizationId: z.string(),
    userId: z.string(),
    permission: MemberPermission,
    via: z.enum(['creation', 'direct', 'invite']),
  }),
  audit: true,
  description: 'A user joined an organization: as its creator, added by an admin, or by accepting an invite.',
});

export const MemberRemoved = defineEvent('organization.member.removed', {
  schema: z.object({ organizationId: z.string(), userId: z.string(), by: z.enum(['admin', 'self']) }),
  audit: true,
  description: 'A member left an organization or was removed by one of its admins.',
});

export const MemberPermissionChanged = defineEvent('organization.member.permission.changed', {
  schema: z.object({
    organizationId: z.string(),
    userId: z.string(),
    from: MemberPermission,
    to: MemberPermission,
  }),
  audit: true,
  description: 'A member’s permission inside an organization changed.',
});

export const ORGANIZATION_EVENTS = [
  OrganizationCreated,
  OrganizationUpdated,
  OrganizationDeleted,
  MemberAdded,
  MemberRemoved,
  MemberPermissionChanged,
] as const;
