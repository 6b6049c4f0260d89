import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

const role = z.enum(['admin', 'user']);

export const UserCreated = defineEvent('user.created', {
  schema: z.object({ userId: z.string(), username: z.string(), email: z.string(), role }),
  audit: true,
  // With REDIS_URL the welcome email is sent by the worker process (npm run start:worker).
  distributed: true,
  description: 'Someone signed up (POST /users). Carries no password, not even its hash.',
});

export const UserUpdated = defineEvent('user.updated', {
  schema: z.object({ userId: z.string(), changed: z.array(z.enum(['username', 'email'])).min(1) }),
  audit: true,
  description: 'A user changed their username or email; lists which fields changed, not the values.',
});

export const UserPasswordChanged = defineEvent('user.password.changed', {
  schema: z.object({ userId: z.string() }),
  audit: true,
  description: 'A user set a new password (the event only says that it happened).',
});

export const UserPermissionChanged = defineEvent('user.permission.changed', {
  schema: z.object({ userId: z.string(), from: role, to: role }),
  audit: true,
  severity: 'warning',
  description: 'An administrator changed a user’s role.',
});

export const UserDeleted = defineEvent('user.deleted', {
  schema: z.object({ userId: z.string(), username: z.string() }),
  audit: true,
  description: 'A user account was deleted (by its owner or an administrator).',
});

export const AdminSeeded = defineEvent('system.admin.seeded', {
  schema: z.object({ userId: z.string(), username: z.string() }),
  audit: true,
  description:
    'First start: the first administrator was created, with the password from ADMIN_PASSWORD or one generated ' +
    'and printed once (never part of the event).',
});

export const USER_EVENTS = [
  UserCreated,
  UserUpdated,
  UserPasswordChanged,
  UserPermissionChanged,
  UserDeleted,
  AdminSeeded,
] as const;
