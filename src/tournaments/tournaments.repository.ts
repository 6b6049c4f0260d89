import { Inject, Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import type { MatchState, RaceState, TournamentState } from './tournament.aggregate';

interface TournamentRow extends Record<string, unknown> {
  id: string;
  organization_id: string;
  name: string;
  game: string;
  status: TournamentState['status'];
  created_by: string;
  winner_id: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  ended_at: string | null;
}

interface RaceRow extends Record<string, unknown> {
  id: string;
  tournament_id: string;
  user_id: string;
  time_ms: number | string;
  status: RaceState['status'];
  submitted_at: string;
  reviewed_by: string | null;
  reviewed_at: string | null;
  reason: string | null;
}

interface MatchRow extends Record<string, unknown> {
  id: string;
  tournament_id: string;
  player_a: string;
  player_b: string;
  scheduled_at: string;
  status: MatchState['status'];
  winner_id: string | null;
  score: string | null;
}

function toRace(row: RaceRow): RaceState {
  return {
    id: row.id,
    tournamentId: row.tournament_id,
    userId: row.user_id,
    timeMs: Number(row.time_ms),
    status: row.status,
    submittedAt: row.submitted_at,
    reviewedBy: row.reviewed_by,
    reviewedAt: row.reviewed_at,
    reason: row.reason,
  };
}

function toMatch(row: MatchRow): MatchState {
  return {
    id: row.id,
    tournamentId: row.tournament_id,
    playerA: row.player_a,
    playerB: row.player_b,
    scheduledAt: row.scheduled_at,
    status: row.status,
    winnerId: row.winner_id,
    score: row.score,
  };
}

/** A tournament with all its races and matches (what its leaderboard is computed from). */
export interface TournamentWithResults {
  tournament: TournamentState;
  races: RaceState[];
  matches: MatchState[];
}

/** Tournaments with their participants, races and matches. */
@Injectable()
export class TournamentsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async findById(id: string): Promise<TournamentState | undefined> {
    const row = await this.db.one<TournamentRow>('SELECT * FROM tournaments WHERE id = ?', [id]);
    if (!row) return undefined;
    const participants = await this.db.query<{ user_id: string }>(
      'SELECT user_id FROM tournament_participants WHERE tournament_id = ? ORDER BY joined_at, user_id',
      [id],
    );
    return {
      id: row.id,
      organizationId: row.organization_id,
      name: row.name,
      game: row.game,
      status: row.status,
      createdBy: row.created_by,
      winnerId: row.winner_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      participants: participants.map((p) => p.user_id),
    };
  }

  /** The tournament with its races and matches, or undefined when there is no such tournament. */
  async findWithResults(id: string): Promise<TournamentWithResults | undefined> {
    const tournament = await this.findById(id);
    if (!tournament) return undefined;
    const [races, matches] = await Promise.all([this.races(id), this.matches(id)]);
    return { tournament, races, matches };
  }

  async existsByName(organizationId: string, name: string): Promise<boolean> {
    const row = await this.db.one(
      'SELECT id FROM tournaments WHERE organization_id = ? AND lower(name) = lower(?)',
      [organizationId, name],
    );
    return row !== undefined;
  }

  async insert(t: TournamentState): Promise<void> {
    await this.db.execute(
      `INSERT INTO tournaments (id, organization_id, name, game, status, created_by, winner_id, created_at, updated_at,
       started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.id,
        t.organizationId,
        t.name,
        t.game,
        t.status,
        t.createdBy,
        t.winnerId,
        t.createdAt,
        t.updatedAt,
        t.startedAt,
        t.endedAt,
      ],
    );
  }

  async update(t: TournamentState): Promise<void> {
    await this.db.execute(
      `UPDATE tournaments SET name = ?, game = ?, status = ?, winner_id = ?, updated_at = ?, started_at = ?, ended_at = ?
       WHERE id = ?`,
      [t.name, t.game, t.status, t.winnerId, t.updatedAt, t.startedAt, t.endedAt, t.id],
    );
  }

  async setWinner(id: string, winnerId: string | null): Promise<void> {
    await this.db.execute('UPDATE tournaments SET winner_id = ? WHERE id = ?', [winnerId, id]);
  }

  async delete(id: string): Promise<void> {
    await this.db.execute('DELETE FROM tournaments WHERE id = ?', [id]);
  }

  async addParticipant(tournamentId: string, userId: string, at: string): Promise<void> {
    await this.db.execute(
      'INSERT INTO tournament_participants (tournament_id, user_id, joined_at) VALUES (?, ?, ?)',
      [tournamentId, userId, at],
    );
  }

  async race(tournamentId: string, raceId: string): Promise<RaceState | undefined> {
    const row = await this.db.one<RaceRow>('SELECT * FROM races WHERE id = ? AND tournament_id = ?', [
      raceId,
      tournamentId,
    ]);
    return row && toRace(row);
  }

  async races(tournamentId: string): Promise<RaceState[]> {
    const rows = await this.db.query<RaceRow>(
      'SELECT * FROM races WHERE tournament_id = ? ORDER BY submitted_at, id',
      [tournamentId],
    );
    return rows.map(toRace);
  }

  async saveRace(race: RaceState, isNew: boolean): Promise<void> {
    if (isNew) {
      await this.db.execute(
        `INSERT INTO races (id, tournament_id, user_id, time_ms, status, submitted_at, reviewed_by, reviewed_at, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          race.id,
          race.tournamentId,
          race.userId,
          race.timeMs,
          race.status,
          race.submittedAt,
          race.reviewedBy,
          race.reviewedAt,
          race.reason,
        ],
      );
      return;
    }
    await this.db.execute(
      'UPDATE races SET status = ?, reviewed_by = ?, reviewed_at = ?, reason = ? WHERE id = ?',
      [race.status, race.reviewedBy, race.reviewedAt, race.reason, race.id],
    );
  }

  async match(tournamentId: string, matchId: string): Promise<MatchState | undefined> {
    const row = await this.db.one<MatchRow>('SELECT * FROM matches WHERE id = ? AND tournament_id = ?', [
      matchId,
      tournamentId,
    ]);
    return row && toMatch(row);
  }

  async matches(tournamentId: string): Promise<MatchState[]> {
    const rows = await this.db.query<MatchRow>(
      'SELECT * FROM matches WHERE tournament_id = ? ORDER BY scheduled_at, id',
      [tournamentId],
    );
    return rows.map(toMatch);
  }

  async saveMatch(match: MatchState, isNew: boolean): Promise<void> {
    if (isNew) {
      await this.db.execute(
        `INSERT INTO matches (id, tournament_id, player_a, player_b, scheduled_at, status, winner_id, score)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          match.id,
          match.tournamentId,
          match.playerA,
          match.playerB,
          match.scheduledAt,
          match.status,
          match.winnerId,
          match.score,
        ],
      );
      return;
    }
    await this.db.execute('UPDATE matches SET status = ?, winner_id = ?, score = ? WHERE id = ?', [
      match.status,
      match.winnerId,
      match.score,
      match.id,
    ]);
  }
}
