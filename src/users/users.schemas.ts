import { z } from 'zod';

export const Username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3 to 32 letters, digits, dots, dashes or underscores');
export const Email = z.email('must be an email address').max(254);
export const Password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters');

export const CreateUserBody = z.strictObject({ username: Username, email: Email, password: Password });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .strictObject({ username: Username.optional(), email: Email.optional() })
  .refine((body) => body.username !== undefined || body.email !== undefined, 'give username and/or email');
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().max(200),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const ChangePermissionBody = z.strictObject({ role: z.enum(['admin', 'user']) });
export type ChangePermissionBody = z.infer<typeof ChangePermissionBody>;

export const LoginBody = z.strictObject({ username: z.string().max(64), password: z.string().max(200) });
export type LoginBody = z.infer<typeof LoginBody>;
