import { explainPattern } from '../event/event-type';
import { compilePattern, matchSegments, type MatchSteps } from './pattern-matcher';

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

  it('agrees with a brute-force matcher on random patterns and types', () => {
    const random = seeded(20);
    const disagreements: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const pattern = pick(random, ['a', 'b', '*', '**'], 1 + Math.floor(random() * 6));
      const type = pick(random, ['a', 'b'], 1 + Math.floor(random() * 7));
      const matched = compilePattern(pattern.join('.'))(type.join('.'));
      if (matched !== bruteForce(pattern, 0, type, 0))
        disagreements.push(`${pattern.join('.')} ~ ${type.join('.')}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('matchSegments cost', () => {
  /** Patterns that make a backtracking matcher try every split of the type between their `**`s. */
  const hostile = ['**.a.**.a.**.a.**.b', '**.*.**.*.**.*.**.*.**.c', 'x.**.**.y', '**.a.a.a.a.a.a.a.b'];

  function stepsFor(pattern: string, segments: number): number {
    const steps: MatchSteps = { count: 0 };
    const matched = matchSegments(pattern.split('.'), Array<string>(segments).fill('a'), steps);
    expect(matched).toBe(false);
    return steps.count;
  }

  it.each(hostile)('%s: at most (pattern + 1) x (type + 1) steps on a non-matching type', (pattern) => {
    const patternLength = pattern.split('.').length;
    for (const segments of [10, 100, 1000]) {
      expect(stepsFor(pattern, segments)).toBeLessThanOrEqual((patternLength + 1) * (segments + 1));
    }
  });

  it.each(hostile)(
    '%s: each added segment costs the same number of steps, however long the type',
    (pattern) => {
      const perSegment = (from: number, to: number) =>
        (stepsFor(pattern, to) - stepsFor(pattern, from)) / (to - from);
      // Linear cost: the same slope from 50 to 100 segments as from 800 to 1600 (a quadratic one would grow 16x).
      expect(perSegment(800, 1600)).toBeLessThanOrEqual(perSegment(50, 100) * 1.05);
    },
  );

  it('a brute-force matcher on the same input takes polynomially more steps (what the bound rules out)', () => {
    const pattern = '**.a.**.a.**.a.**.b'.split('.');
    const count = (segments: number): number => {
      const steps: MatchSteps = { count: 0 };
      bruteForce(pattern, 0, Array<string>(segments).fill('a'), 0, steps);
      return steps.count;
    };
    expect(count(40) / count(20)).toBeGreaterThan(8);
    expect(stepsFor(pattern.join('.'), 40) / stepsFor(pattern.join('.'), 20)).toBeLessThanOrEqual(2.2);
  });
});

/** The recursive matcher this file replaced: tries every split for every `**`. The reference for correctness. */
function bruteForce(
  pattern: readonly string[],
  p: number,
  type: readonly string[],
  t: number,
  steps?: MatchSteps,
): boolean {
  if (steps) steps.count++;
  if (p === pattern.length) return t === type.length;
  if (pattern[p] === '**') {
    for (let skip = t; skip <= type.length; skip++) {
      if (bruteForce(pattern, p + 1, type, skip, steps)) return true;
    }
    return false;
  }
  if (t >= type.length || (pattern[p] !== '*' && pattern[p] !== type[t])) return false;
  return bruteForce(pattern, p + 1, type, t + 1, steps);
}

function pick(random: () => number, from: readonly string[], length: number): string[] {
  return Array.from({ length }, () => from[Math.floor(random() * from.length)]);
}

/** A small deterministic generator (mulberry32), so a failure can be reproduced. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
