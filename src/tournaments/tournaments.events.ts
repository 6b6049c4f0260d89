import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

const tournamentId = z.string();

/** A race time and whose it is: the payload of both a submitted and an approved race. */
const raceTime = z.object({
  tournamentId,
  raceId: z.string(),
  userId: z.string(),
  timeMs: z.number().int().positive(),
});

export const TournamentCreated = defineEvent('tournament.created', {
  schema: z.object({ tournamentId, organizationId: z.string(), name: z.string(), game: z.string() }),
  audit: true,
  description: 'An organization admin created a tournament (status draft).',
});

export const TournamentUpdated = defineEvent('tournament.updated', {
  schema: z.object({ tournamentId, changed: z.array(z.enum(['name', 'game'])).min(1) }),
  audit: true,
  description: 'A tournament’s name or game changed while it was still a draft.',
});

export const TournamentDeleted = defineEvent('tournament.deleted', {
  schema: z.object({ tournamentId, name: z.string() }),
  audit: true,
  description: 'A tournament was deleted with its races and matches.',
});

export const TournamentParticipantJoined = defineEvent('tournament.participant.joined', {
  schema: z.object({ tournamentId, userId: z.string() }),
  audit: true,
  description: 'A member of the organization entered a tournament.',
});

export const TournamentStarted = defineEvent('tournament.started', {
  schema: z.object({ tournamentId, participants: z.number().int().min(2) }),
  audit: true,
  description: 'A tournament started; races and matches can now be recorded.',
});

export const TournamentEnded = defineEvent('tournament.ended', {
  // The leaderboard runs in the worker process when the app runs as two (REDIS_URL).
  distributed: true,
  schema: z.object({ tournamentId, races: z.number().int(), matches: z.number().int() }),
  audit: true,
  description: 'A tournament ended; its winner is declared next (tournament.winner.declared).',
});

export const RaceSubmitted = defineEvent('tournament.race.submitted', {
  schema: raceTime,
  audit: true,
  description: 'A participant submitted a race time; it waits for an organization admin’s review.',
});

export const RaceApproved = defineEvent('tournament.race.approved', {
  // The leaderboard runs in the worker process when the app runs as two (REDIS_URL).
  distributed: true,
  schema: raceTime,
  audit: true,
  description: 'An organization admin approved a race time; it now counts for the leaderboard.',
});

export const RaceRejected = defineEvent('tournament.race.rejected', {
  schema: z.object({ tournamentId, raceId: z.string(), userId: z.string(), reason: z.string() }),
  audit: true,
  description: 'An organization admin rejected a race time, with a reason.',
});

export const MatchScheduled = defineEvent('tournament.match.scheduled', {
  schema: z.object({
    tournamentId,
    matchId: z.string(),
    playerA: z.string(),
    playerB: z.string(),
    scheduledAt: z.string(),
  }),
  audit: true,
  description: 'A match between two participants was scheduled.',
});

export const MatchCompleted = defineEvent('tournament.match.completed', {
  // The leaderboard runs in the worker process when the app runs as two (REDIS_URL).
  distributed: true,
  schema: z.object({ tournamentId, matchId: z.string(), winnerId: z.string(), score: z.string() }),
  audit: true,
  description: 'A match result was recorded.',
});

export const LeaderboardUpdated = defineEvent('tournament.leaderboard.updated', {
  schema: z.object({
    tournamentId,
    leaderId: z.string().nullable(),
    entries: z.array(z.object({ userId: z.string(), points: z.number(), bestTimeMs: z.number().nullable() })),
  }),
  description: 'The leaderboard was recomputed after an approved race or a completed match.',
});

export const WinnerDeclared = defineEvent('tournament.winner.declared', {
  schema: z.object({ tournamentId, winnerId: z.string().nullable(), points: z.number() }),
  audit: true,
  description: 'After a tournament ended, its winner (or none, without results) was declared.',
});

export const TOURNAMENT_EVENTS = [
  TournamentCreated,
  TournamentUpdated,
  TournamentDeleted,
  TournamentParticipantJoined,
  TournamentStarted,
  TournamentEnded,
  RaceSubmitted,
  RaceApproved,
  RaceRejected,
  MatchScheduled,
  MatchCompleted,
  LeaderboardUpdated,
  WinnerDeclared,
] as const;
