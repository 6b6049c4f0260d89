import { computeLeaderboard } from './leaderboard.listener';
import { TournamentAggregate, TournamentRuleError, type RaceState } from './tournament.aggregate';

const AT = '2026-01-01T00:00:00.000Z';

function draft(): TournamentAggregate {
  return TournamentAggregate.create({
    id: 't1',
    organizationId: 'o1',
    name: 'Cup',
    game: 'Celeste',
    createdBy: 'alice',
    createdAt: AT,
    updatedAt: AT,
  });
}

function eventTypes(aggregate: TournamentAggregate): string[] {
  return aggregate.getUncommittedEvents().map((e) => (e.constructor as unknown as { type: string }).type);
}

describe('TournamentAggregate', () => {
  it('runs the life cycle and records one event per change, with the bus type on each class', () => {
    const t = draft();
    t.join('bob', AT);
    t.join('carol', AT);
    t.start(AT);
    const race = t.submitRace('r1', 'bob', 61_000, AT);
    t.reviewRace(race, 'alice', 'approved', null, AT);
    const match = t.scheduleMatch('m1', 'bob', 'carol', AT);
    t.completeMatch(match, 'bob', '3-1');
    t.end(AT, 1, 1);
    expect(t.snapshot.status).toBe('finished');
    expect(eventTypes(t)).toEqual([
      'tournament.created',
      'tournament.participant.joined',
      'tournament.participant.joined',
      'tournament.started',
      'tournament.race.submitted',
      'tournament.race.approved',
      'tournament.match.scheduled',
      'tournament.match.completed',
      'tournament.ended',
    ]);
    expect({ ...t.getUncommittedEvents()[4] }).toEqual({
      tournamentId: 't1',
      raceId: 'r1',
      userId: 'bob',
      timeMs: 61_000,
    });
  });

  it('refuses what the rules forbid', () => {
    const t = draft();
    expect(() => t.start(AT)).toThrow(/at least 2 participants/);
    expect(() => t.submitRace('r', 'bob', 1, AT)).toThrow(TournamentRuleError);
    t.join('bob', AT);
    expect(() => t.join('bob', AT)).toThrow(/already take part/);
    t.join('carol', AT);
    t.start(AT);
    expect(() => t.update({ name: 'New' }, AT)).toThrow(/running tournament cannot be changed/);
    expect(() => t.delete()).toThrow(/end it first/);
    expect(() => t.submitRace('r', 'dave', 1, AT)).toThrow(/does not take part/);
    expect(() => t.scheduleMatch('m', 'bob', 'dave', AT)).toThrow(/does not take part/);
    const match = t.scheduleMatch('m', 'bob', 'carol', AT);
    expect(() => t.completeMatch(match, 'dave', '1-0')).toThrow(/one of the two players/);
    const reviewed: RaceState = { ...t.submitRace('r', 'bob', 5, AT), status: 'rejected' };
    expect(() => t.reviewRace(reviewed, 'alice', 'approved', null, AT)).toThrow(/already rejected/);
  });
});

describe('computeLeaderboard', () => {
  const race = (userId: string, timeMs: number, status: RaceState['status']): RaceState => ({
    id: `${userId}-${timeMs}`,
    tournamentId: 't1',
    userId,
    timeMs,
    status,
    submittedAt: AT,
    reviewedBy: null,
    reviewedAt: null,
    reason: null,
  });

  it('gives 3 points per match won and 1 per approved race, ties broken by best time', () => {
    const board = computeLeaderboard(
      ['bob', 'carol', 'dave'],
      [race('bob', 70_000, 'approved'), race('carol', 65_000, 'approved'), race('dave', 1_000, 'rejected')],
      [
        {
          id: 'm1',
          tournamentId: 't1',
          playerA: 'bob',
          playerB: 'dave',
          scheduledAt: AT,
          status: 'completed',
          winnerId: 'dave',
          score: '2-0',
        },
      ],
    );
    expect(board).toEqual([
      { userId: 'dave', points: 3, bestTimeMs: null },
      { userId: 'carol', points: 1, bestTimeMs: 65_000 },
      { userId: 'bob', points: 1, bestTimeMs: 70_000 },
    ]);
  });
});
