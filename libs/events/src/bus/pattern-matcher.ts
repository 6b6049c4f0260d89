/** Decides whether an event type matches a listener pattern. */
export type TypeMatcher = (type: string) => boolean;

/** Counts the loop steps of one match, for tests that check the cost stays linear. */
export interface MatchSteps {
  count: number;
}

const ALWAYS: TypeMatcher = () => true;

/**
 * Compiles a validated pattern. `*` matches exactly one segment, `**` any number of segments (zero included),
 * so `tournament.**` matches `tournament`, `tournament.created` and `tournament.race.submitted`.
 */
export function compilePattern(pattern: string): TypeMatcher {
  if (pattern === '**') return ALWAYS;
  if (!pattern.includes('*')) return (type) => type === pattern;
  const segments = pattern.split('.');
  if (!pattern.includes('**')) {
    return (type) => matchSingleWildcards(segments, type.split('.'));
  }
  return (type) => matchSegments(segments, type.split('.'));
}

function matchSingleWildcards(pattern: readonly string[], type: readonly string[]): boolean {
  if (pattern.length !== type.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*' && pattern[i] !== type[i]) return false;
  }
  return true;
}

/**
 * Matches segments against a pattern with `**`, in at most (pattern length + 1) x (type length + 1) steps
 * whatever the pattern: a recursive matcher tries every split for every `**` and blows up with several of them.
 *
 * Only the last `**` seen is ever retried: whatever an earlier `**` absorbed, the later one can absorb instead,
 * so when the segments after the last `**` fail, giving that `**` one more segment is the only choice left.
 */
export function matchSegments(
  pattern: readonly string[],
  type: readonly string[],
  steps?: MatchSteps,
): boolean {
  let p = 0;
  let t = 0;
  let lastStar = -1;
  let starResume = 0;
  while (t < type.length) {
    if (steps) steps.count++;
    const segment = pattern[p];
    if (segment === '**') {
      if (p === pattern.length - 1) return true;
      lastStar = p++;
      starResume = t;
    } else if (p < pattern.length && (segment === '*' || segment === type[t])) {
      p++;
      t++;
    } else if (lastStar >= 0) {
      p = lastStar + 1;
      t = ++starResume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '**') p++;
  return p === pattern.length;
}
