import { z } from 'zod';
import { Email } from '../users/users.schemas';

export const CreateInviteBody = z.strictObject({
  email: Email,
  permission: z.enum(['admin', 'member']).default('member'),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
});
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;
