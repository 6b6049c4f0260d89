import { Injectable } from '@nestjs/common';
import { EventBusService, OnEvent, type BusEvent } from 'nestjs-event-bus';
import type { MatchState, RaceState } from './tournament.aggregate';
import {
  LeaderboardUpdated,
  MatchCompleted,
  RaceApproved,
  TournamentEnded,
  WinnerDeclared,
} from './tournaments.events';
import { TournamentsRepository } from './tournaments.repository';

export interface LeaderboardEntry {
  userId: string;
  points: number;
  bestTimeMs: number | null;
}

const POINTS_PER_WIN = 3;
const POINTS_PER_APPROVED_RACE = 1;

/** Points: 3 per match won, 1 per approved race; ties broken by the best approved race time. */
export function computeLeaderboard(
  participants: readonly string[],
  races: readonly RaceState[],
  matches: readonly MatchState[],
): LeaderboardEntry[] {
  const entries = new Map<string, LeaderboardEntry>(
    participants.map((id) => [id, { userId: id, points: 0, bestTimeMs: null }]),
  );
  for (const race of races) {
    const entry = entries.get(race.userId);
    if (!entry || race.status !== 'approved') continue;
    entry.points += POINTS_PER_APPROVED_RACE;
    entry.bestTimeMs = entry.bestTimeMs === null ? race.timeMs : Math.min(entry.bestTimeMs, race.timeMs);
  }
  for (const match of matches) {
    const entry = match.winnerId ? entries.get(match.winnerId) : undefined;
    if (entry && match.status === 'completed') entry.points += POINTS_PER_WIN;
  }
  return [...entries.values()].sort(
    (a, b) =>
      b.points - a.points ||
      (a.bestTimeMs ?? Infinity) - (b.bestTimeMs ?? Infinity) ||
      a.userId.localeCompare(b.userId),
  );
}

/** The first entry of a leaderboard, when it has scored at all. */
function leaderOf(board: readonly LeaderboardEntry[]): LeaderboardEntry | undefined {
  return board[0] && board[0].points > 0 ? board[0] : undefined;
}

/**
 * Reacts to tournament results on the event bus (the CQRS events arrive here through the bridge): keeps the
 * leaderboard current and declares the winner when a tournament ends. The events it emits are caused by the
 * handled event, so the trace shows `tournament.race.approved -> tournament.leaderboard.updated`.
 *
 * Declaring the winner is `idempotent: true` (the bus's inbox): the winner's write and `tournament.winner.declared`
 * commit together with the record of (event, handler), so a `tournament.ended` delivered twice declares once.
 */
@Injectable()
export class LeaderboardListener {
  constructor(
    private readonly tournaments: TournamentsRepository,
    private readonly bus: EventBusService,
  ) {}

  @OnEvent([RaceApproved, MatchCompleted], { name: 'Leaderboard.recompute' })
  async recompute(event: BusEvent<{ tournamentId: string }>): Promise<void> {
    const board = await this.leaderboard(event.data.tournamentId);
    if (!board) return;
    this.bus.emit(LeaderboardUpdated, {
      tournamentId: event.data.tournamentId,
      leaderId: leaderOf(board)?.userId ?? null,
      entries: board,
    });
  }

  @OnEvent(TournamentEnded, { idempotent: true, name: 'Leaderboard.declareWinner' })
  async declareWinner(event: BusEvent<{ tournamentId: string }>): Promise<void> {
    const board = await this.leaderboard(event.data.tournamentId);
    if (!board) return;
    const top = leaderOf(board);
    await this.tournaments.setWinner(event.data.tournamentId, top?.userId ?? null);
    this.bus.emit(WinnerDeclared, {
      tournamentId: event.data.tournamentId,
      winnerId: top?.userId ?? null,
      points: top?.points ?? 0,
    });
  }

  /** The current leaderboard, or undefined when the tournament is gone. */
  private async leaderboard(tournamentId: string): Promise<LeaderboardEntry[] | undefined> {
    const found = await this.tournaments.findWithResults(tournamentId);
    return found && computeLeaderboard(found.tournament.participants, found.races, found.matches);
  }
}
