import { z } from 'zod';

const Name = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(80, 'must be at most 80 characters');
const Game = z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters');

export const CreateTournamentBody = z.strictObject({
  organizationId: z.string().min(1).max(64),
  name: Name,
  game: Game,
});
export type CreateTournamentBody = z.infer<typeof CreateTournamentBody>;

export const UpdateTournamentBody = z
  .strictObject({ name: Name.optional(), game: Game.optional() })
  .refine((b) => b.name !== undefined || b.game !== undefined, 'give name and/or game');
export type UpdateTournamentBody = z.infer<typeof UpdateTournamentBody>;

export const SubmitRaceBody = z.strictObject({
  timeMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .positive()
    .max(24 * 3_600_000),
});
export type SubmitRaceBody = z.infer<typeof SubmitRaceBody>;

export const RejectRaceBody = z.strictObject({
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
});
export type RejectRaceBody = z.infer<typeof RejectRaceBody>;

export const ScheduleMatchBody = z
  .strictObject({
    playerA: z.string().min(1).max(64),
    playerB: z.string().min(1).max(64),
    scheduledAt: z.iso.datetime(),
  })
  .refine((b) => b.playerA !== b.playerB, { message: 'playerA and playerB must differ', path: ['playerB'] });
export type ScheduleMatchBody = z.infer<typeof ScheduleMatchBody>;

export const CompleteMatchBody = z.strictObject({
  winnerId: z.string().min(1).max(64),
  score: z.string().regex(/^\d{1,3}-\d{1,3}$/, 'must look like "3-1"'),
});
export type CompleteMatchBody = z.infer<typeof CompleteMatchBody>;
