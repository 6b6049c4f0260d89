/** Decides whether an event type matches a listener pattern. */
export type TypeMatcher = (type: string) => boolean;

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
  return (type) => matchSegments(segments, 0, type.split('.'), 0);
}

function matchSingleWildcards(pattern: readonly string[], type: readonly string[]): boolean {
  if (pattern.length !== type.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*' && pattern[i] !== type[i]) return false;
  }
  return true;
}

function matchSegments(pattern: readonly string[], p: number, type: readonly string[], t: number): boolean {
  while (p < pattern.length) {
    const segment = pattern[p];
    if (segment === '**') {
      if (p === pattern.length - 1) return true;
      for (let skip = t; skip <= type.length; skip++) {
        if (matchSegments(pattern, p + 1, type, skip)) return true;
      }
      return false;
    }
    if (t >= type.length || (segment !== '*' && segment !== type[t])) return false;
    p++;
    t++;
  }
  return t === type.length;
}
