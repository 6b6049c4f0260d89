import { z } from 'zod';

const Name = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(80, 'must be at most 80 characters');
const Description = z.string().max(1000, 'must be at most 1000 characters');

export const CreateOrganizationBody = z.strictObject({ name: Name, description: Description.default('') });
export type CreateOrganizationBody = z.infer<typeof CreateOrganizationBody>;

export const UpdateOrganizationBody = z
  .strictObject({ name: Name.optional(), description: Description.optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined, 'give name and/or description');
export type UpdateOrganizationBody = z.infer<typeof UpdateOrganizationBody>;

/** Owners are made by creating an organization, never granted. */
export const GrantablePermission = z.enum(['admin', 'member']);

export const AddMemberBody = z.strictObject({
  userId: z.string().min(1).max(64),
  permission: GrantablePermission.default('member'),
});
export type AddMemberBody = z.infer<typeof AddMemberBody>;

export const MemberPermissionBody = z.strictObject({ permission: GrantablePermission });
export type MemberPermissionBody = z.infer<typeof MemberPermissionBody>;
