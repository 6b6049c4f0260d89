import { ConflictException, ForbiddenException } from '@nestjs/common';
import { AggregateRoot } from '@nestjs/cqrs';
import {
  MatchCompletedEvent,
  MatchScheduledEvent,
  ParticipantJoinedEvent,
  RaceApprovedEvent,
  RaceRejectedEvent,
  RaceSubmittedEvent,
  TournamentCreatedEvent,
  TournamentDeletedEvent,
  TournamentEndedEvent,
  TournamentStartedEvent,
  TournamentUpdatedEvent,
} from './tournament.cqrs-events';

export type TournamentStatus = 'draft' | 'running' | 'finished';

export interface TournamentState {
  id: string;
  organizationId: string;
  name: string;
  game: string;
  status: TournamentStatus;
  createdBy: string;
  winnerId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  participants: string[];
}

export interface RaceState {
  id: string;
  tournamentId: string;
  userId: string;
  timeMs: number;
  status: 'pending' | 'approved' | 'rejected';
  submittedAt: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
  reason: string | null;
}

export interface MatchState {
  id: string;
  tournamentId: string;
  playerA: string;
  playerB: string;
  scheduledAt: string;
  status: 'scheduled' | 'completed';
  winnerId: string | null;
  score: string | null;
}

/** A rule of the tournament's life cycle was broken (e.g. starting it twice): answered with 409. */
export class TournamentRuleError extends ConflictException {
  override readonly name = 'TournamentRuleError';
}

/**
 * The tournament aggregate: every state change goes through a method that checks the rules, changes the state
 * and `apply()`s a CQRS event. The command handler persists, then `commit()` publishes the events.
 */
export class TournamentAggregate extends AggregateRoot {
  constructor(private state: TournamentState) {
    super();
  }

  static create(
    input: Omit<TournamentState, 'status' | 'winnerId' | 'startedAt' | 'endedAt' | 'participants'>,
  ): TournamentAggregate {
    const aggregate = new TournamentAggregate({
      ...input,
      status: 'draft',
      winnerId: null,
      startedAt: null,
      endedAt: null,
      participants: [],
    });
    aggregate.apply(
      new TournamentCreatedEvent({
        tournamentId: input.id,
        organizationId: input.organizationId,
        name: input.name,
        game: input.game,
      }),
    );
    return aggregate;
  }

  get snapshot(): Readonly<TournamentState> {
    return this.state;
  }

  update(changes: { name?: string; game?: string }, at: string): boolean {
    this.requireStatus('draft', 'be changed');
    const changed: ('name' | 'game')[] = [];
    if (changes.name !== undefined && changes.name !== this.state.name) changed.push('name');
    if (changes.game !== undefined && changes.game !== this.state.game) changed.push('game');
    if (changed.length === 0) return false;
    this.state = { ...this.state, ...changes, updatedAt: at };
    this.apply(new TournamentUpdatedEvent({ tournamentId: this.state.id, changed }));
    return true;
  }

  delete(): void {
    if (this.state.status === 'running')
      throw new TournamentRuleError('A running tournament cannot be deleted; end it first.');
    this.apply(new TournamentDeletedEvent({ tournamentId: this.state.id, name: this.state.name }));
  }

  join(userId: string, at: string): void {
    this.requireStatus('draft', 'take new participants');
    if (this.state.participants.includes(userId))
      throw new TournamentRuleError('You already take part in this tournament.');
    this.state = { ...this.state, participants: [...this.state.participants, userId], updatedAt: at };
    this.apply(new ParticipantJoinedEvent({ tournamentId: this.state.id, userId }));
  }

  start(at: string): void {
    this.requireStatus('draft', 'start');
    if (this.state.participants.length < 2) {
      throw new TournamentRuleError('A tournament needs at least 2 participants to start.');
    }
    this.state = { ...this.state, status: 'running', startedAt: at, updatedAt: at };
    this.apply(
      new TournamentStartedEvent({
        tournamentId: this.state.id,
        participants: this.state.participants.length,
      }),
    );
  }

  end(at: string, races: number, matches: number): void {
    this.requireStatus('running', 'end');
    this.state = { ...this.state, status: 'finished', endedAt: at, updatedAt: at };
    this.apply(new TournamentEndedEvent({ tournamentId: this.state.id, races, matches }));
  }

  submitRace(raceId: string, userId: string, timeMs: number, at: string): RaceState {
    this.requireStatus('running', 'accept races');
    this.requireParticipant(userId);
    const race: RaceState = {
      id: raceId,
      tournamentId: this.state.id,
      userId,
      timeMs,
      status: 'pending',
      submittedAt: at,
      reviewedBy: null,
      reviewedAt: null,
      reason: null,
    };
    this.apply(new RaceSubmittedEvent({ tournamentId: this.state.id, raceId, userId, timeMs }));
    return race;
  }

  reviewRace(
    race: RaceState,
    reviewerId: string,
    verdict: 'approved' | 'rejected',
    reason: string | null,
    at: string,
  ): RaceState {
    this.requireStatus('running', 'review races');
    if (race.status !== 'pending') throw new TournamentRuleError(`This race was already ${race.status}.`);
    const reviewed: RaceState = { ...race, status: verdict, reviewedBy: reviewerId, reviewedAt: at, reason };
    if (verdict === 'approved') {
      this.apply(
        new RaceApprovedEvent({
          tournamentId: this.state.id,
          raceId: race.id,
          userId: race.userId,
          timeMs: race.timeMs,
        }),
      );
    } else {
      this.apply(
        new RaceRejectedEvent({
          tournamentId: this.state.id,
          raceId: race.id,
          userId: race.userId,
          reason: reason ?? '',
        }),
      );
    }
    return reviewed;
  }

  scheduleMatch(matchId: string, playerA: string, playerB: string, scheduledAt: string): MatchState {
    this.requireStatus('running', 'schedule matches');
    if (playerA === playerB) throw new TournamentRuleError('A match needs two different players.');
    for (const player of [playerA, playerB]) {
      if (!this.state.participants.includes(player)) {
        throw new TournamentRuleError(`User "${player}" does not take part in this tournament.`);
      }
    }
    this.apply(
      new MatchScheduledEvent({ tournamentId: this.state.id, matchId, playerA, playerB, scheduledAt }),
    );
    return {
      id: matchId,
      tournamentId: this.state.id,
      playerA,
      playerB,
      scheduledAt,
      status: 'scheduled',
      winnerId: null,
      score: null,
    };
  }

  completeMatch(match: MatchState, winnerId: string, score: string): MatchState {
    this.requireStatus('running', 'record match results');
    if (match.status !== 'scheduled') throw new TournamentRuleError('This match is already completed.');
    if (winnerId !== match.playerA && winnerId !== match.playerB) {
      throw new TournamentRuleError('The winner must be one of the two players of the match.');
    }
    this.apply(new MatchCompletedEvent({ tournamentId: this.state.id, matchId: match.id, winnerId, score }));
    return { ...match, status: 'completed', winnerId, score };
  }

  private requireStatus(status: TournamentStatus, action: string): void {
    if (this.state.status !== status) {
      throw new TournamentRuleError(
        `A ${this.state.status} tournament cannot ${action}; it must be ${status}.`,
      );
    }
  }

  private requireParticipant(userId: string): void {
    if (!this.state.participants.includes(userId)) {
      throw new ForbiddenException(`User "${userId}" does not take part in this tournament.`);
    }
  }
}
