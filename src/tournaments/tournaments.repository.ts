import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MatchEntity } from './match.entity';
import { RaceEntity } from './race.entity';
import type { MatchState, RaceState, TournamentState } from './tournament.aggregate';
import { TournamentParticipantEntity } from './tournament-participant.entity';
import { TournamentEntity } from './tournament.entity';

/** `Date | null` -> ISO string or null. */
function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/** ISO string or null -> `Date | null`. */
function date(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

function toTournament(row: TournamentEntity, participants: string[]): TournamentState {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    game: row.game,
    status: row.status,
    createdBy: row.createdBy,
    winnerId: row.winnerId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    participants,
  };
}

function toRace(row: RaceEntity): RaceState {
  return {
    id: row.id,
    tournamentId: row.tournamentId,
    userId: row.userId,
    timeMs: row.timeMs,
    status: row.status,
    submittedAt: row.submittedAt.toISOString(),
    reviewedBy: row.reviewedBy,
    reviewedAt: iso(row.reviewedAt),
    reason: row.reason,
  };
}

function toMatch(row: MatchEntity): MatchState {
  return {
    id: row.id,
    tournamentId: row.tournamentId,
    playerA: row.playerA,
    playerB: row.playerB,
    scheduledAt: row.scheduledAt.toISOString(),
    status: row.status,
    winnerId: row.winnerId,
    score: row.score,
  };
}

/** A tournament with all its races and matches (what its leaderboard is computed from). */
export interface TournamentWithResults {
  tournament: TournamentState;
  races: RaceState[];
  matches: MatchState[];
}

/** Tournaments with their participants, races and matches, in the current transaction when there is one. */
@Injectable()
export class TournamentsRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get manager(): EntityManager {
    return this.txHost.tx;
  }

  async findById(id: string): Promise<TournamentState | undefined> {
    const row = await this.manager.findOneBy(TournamentEntity, { id });
    if (!row) return undefined;
    const participants = await this.manager.find(TournamentParticipantEntity, {
      where: { tournamentId: id },
      order: { joinedAt: 'ASC', userId: 'ASC' },
      select: { userId: true },
    });
    return toTournament(
      row,
      participants.map((p) => p.userId),
    );
  }

  /** The tournament with its races and matches, or undefined when there is no such tournament. */
  async findWithResults(id: string): Promise<TournamentWithResults | undefined> {
    const tournament = await this.findById(id);
    if (!tournament) return undefined;
    const [races, matches] = await Promise.all([this.races(id), this.matches(id)]);
    return { tournament, races, matches };
  }

  /** Names are unique in their organization whatever their case. */
  async existsByName(organizationId: string, name: string): Promise<boolean> {
    return this.manager
      .createQueryBuilder(TournamentEntity, 't')
      .where('t.organizationId = :organizationId', { organizationId })
      .andWhere('lower(t.name) = lower(:name)', { name })
      .getExists();
  }

  async insert(t: TournamentState): Promise<void> {
    await this.manager.insert(TournamentEntity, {
      id: t.id,
      organizationId: t.organizationId,
      name: t.name,
      game: t.game,
      status: t.status,
      createdBy: t.createdBy,
      winnerId: t.winnerId,
      createdAt: new Date(t.createdAt),
      updatedAt: new Date(t.updatedAt),
      startedAt: date(t.startedAt),
      endedAt: date(t.endedAt),
    });
  }

  async update(t: TournamentState): Promise<void> {
    await this.manager.update(
      TournamentEntity,
      { id: t.id },
      {
        name: t.name,
        game: t.game,
        status: t.status,
        winnerId: t.winnerId,
        updatedAt: new Date(t.updatedAt),
        startedAt: date(t.startedAt),
        endedAt: date(t.endedAt),
      },
    );
  }

  async setWinner(id: string, winnerId: string | null): Promise<void> {
    await this.manager.update(TournamentEntity, { id }, { winnerId });
  }

  /** Deletes the tournament; its participants, races and matches go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    await this.manager.delete(TournamentEntity, { id });
  }

  async addParticipant(tournamentId: string, userId: string, at: string): Promise<void> {
    await this.manager.insert(TournamentParticipantEntity, { tournamentId, userId, joinedAt: new Date(at) });
  }

  async race(tournamentId: string, raceId: string): Promise<RaceState | undefined> {
    const row = await this.manager.findOneBy(RaceEntity, { id: raceId, tournamentId });
    return row ? toRace(row) : undefined;
  }

  async races(tournamentId: string): Promise<RaceState[]> {
    const rows = await this.manager.find(RaceEntity, {
      where: { tournamentId },
      order: { submittedAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toRace);
  }

  async saveRace(race: RaceState, isNew: boolean): Promise<void> {
    if (isNew) {
      await this.manager.insert(RaceEntity, {
        ...race,
        submittedAt: new Date(race.submittedAt),
        reviewedAt: date(race.reviewedAt),
      });
      return;
    }
    await this.manager.update(
      RaceEntity,
      { id: race.id },
      {
        status: race.status,
        reviewedBy: race.reviewedBy,
        reviewedAt: date(race.reviewedAt),
        reason: race.reason,
      },
    );
  }

  async match(tournamentId: string, matchId: string): Promise<MatchState | undefined> {
    const row = await this.manager.findOneBy(MatchEntity, { id: matchId, tournamentId });
    return row ? toMatch(row) : undefined;
  }

  async matches(tournamentId: string): Promise<MatchState[]> {
    const rows = await this.manager.find(MatchEntity, {
      where: { tournamentId },
      order: { scheduledAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toMatch);
  }

  async saveMatch(match: MatchState, isNew: boolean): Promise<void> {
    if (isNew) {
      await this.manager.insert(MatchEntity, { ...match, scheduledAt: new Date(match.scheduledAt) });
      return;
    }
    await this.manager.update(
      MatchEntity,
      { id: match.id },
      { status: match.status, winnerId: match.winnerId, score: match.score },
    );
  }
}
