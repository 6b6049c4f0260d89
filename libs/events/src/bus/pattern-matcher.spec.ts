import { explainPattern } from '../event/event-type';
import { compilePattern } from './pattern-matcher';

describe('compilePattern', () => {
  it.each([
    ['user.created', 'user.created', true],
    ['user.created', 'user.deleted', false],
    ['user.created', 'user.created.v2', false],
    ['user.created', 'user', false],
    ['user.*', 'user.created', true],
    ['user.*', 'user', false],
    ['user.*', 'user.profile.updated', false],
    ['user.*', 'users.created', false],
    ['*.created', 'user.created', true],
    ['*.created', 'user.profile.created', false],
    ['*', 'user', true],
    ['*', 'user.created', false],
    ['*.*', 'user.created', true],
    ['user.*.updated', 'user.profile.updated', true],
    ['user.*.updated', 'user.updated', false],
    ['**', 'user', true],
    ['**', 'tournament.race.lap.completed', true],
    ['tournament.**', 'tournament', true],
    ['tournament.**', 'tournament.created', true],
    ['tournament.**', 'tournament.race.submitted', true],
    ['tournament.**', 'tournaments.created', false],
    ['tournament.**', 'user.tournament.created', false],
    ['**.created', 'created', true],
    ['**.created', 'user.created', true],
    ['**.created', 'org.member.created', true],
    ['**.created', 'user.created.late', false],
    ['a.**.z', 'a.z', true],
    ['a.**.z', 'a.b.c.z', true],
    ['a.**.z', 'a.b.c', false],
    ['a.**.*.z', 'a.z', false],
    ['a.**.*.z', 'a.b.z', true],
    ['**.*', 'a', true],
    ['*.**', 'a.b.c', true],
    ['*.**', 'a', true],
  ])('%s against %s -> %s', (pattern, type, expected) => {
    expect(explainPattern(pattern)).toBeUndefined();
    expect(compilePattern(pattern)(type)).toBe(expected);
  });

  it.each([['User.*'], ['user.'], ['user.*x'], ['***'], [''], ['user..created']])(
    'rejects the malformed pattern %j with an example of the right form',
    (pattern) => {
      expect(explainPattern(pattern)).toMatch(/"user\.\*"/);
    },
  );
});
