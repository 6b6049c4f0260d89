import { Command } from '@nestjs/cqrs';
import type { Actor } from '../auth/actor';
import type { MatchState, RaceState, TournamentState } from './tournament.aggregate';

export class CreateTournamentCommand extends Command<TournamentState> {
  constructor(
    readonly actor: Actor,
    readonly organizationId: string,
    readonly name: string,
    readonly game: string,
  ) {
    super();
  }
}

export class UpdateTournamentCommand extends Command<TournamentState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
    readonly changes: { name?: string; game?: string },
  ) {
    super();
  }
}

export class DeleteTournamentCommand extends Command<void> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
  ) {
    super();
  }
}

export class JoinTournamentCommand extends Command<TournamentState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
  ) {
    super();
  }
}

export class StartTournamentCommand extends Command<TournamentState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
  ) {
    super();
  }
}

export class EndTournamentCommand extends Command<TournamentState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
  ) {
    super();
  }
}

export class SubmitRaceCommand extends Command<RaceState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
    readonly timeMs: number,
  ) {
    super();
  }
}

export class ReviewRaceCommand extends Command<RaceState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
    readonly raceId: string,
    readonly verdict: 'approved' | 'rejected',
    readonly reason: string | null,
  ) {
    super();
  }
}

export class ScheduleMatchCommand extends Command<MatchState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
    readonly playerA: string,
    readonly playerB: string,
    readonly scheduledAt: string,
  ) {
    super();
  }
}

export class CompleteMatchCommand extends Command<MatchState> {
  constructor(
    readonly actor: Actor,
    readonly tournamentId: string,
    readonly matchId: string,
    readonly winnerId: string,
    readonly score: string,
  ) {
    super();
  }
}
