const SEGMENT = '[a-z0-9][a-z0-9_-]*';
const TYPE_RE = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*$`);
const PATTERN_SEGMENT_RE = new RegExp(`^(${SEGMENT}|\\*|\\*\\*)$`);
const MAX_TYPE_LENGTH = 200;

/** True when `type` is a valid event type: lowercase dotted segments such as `user.created`. */
export function isValidEventType(type: unknown): type is string {
  return typeof type === 'string' && type.length <= MAX_TYPE_LENGTH && TYPE_RE.test(type);
}

/** Why `type` is not a valid event type, or undefined when it is. */
export function explainEventType(type: unknown): string | undefined {
  if (isValidEventType(type)) return undefined;
  if (typeof type !== 'string') return `an event type must be a string, received ${typeof type}`;
  if (type.length > MAX_TYPE_LENGTH) return `an event type is at most ${MAX_TYPE_LENGTH} characters`;
  return (
    `"${type}" is not a valid event type: use lowercase dotted segments of letters, digits, "-" and "_" ` +
    `(e.g. "user.created", "tournament.race.submitted")`
  );
}

/** Why `pattern` is not a valid listener pattern (a type whose segments may be `*` or `**`), or undefined. */
export function explainPattern(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `a listener pattern must be a string, received ${typeof pattern}`;
  if (
    pattern.length === 0 ||
    pattern.length > MAX_TYPE_LENGTH ||
    !pattern.split('.').every(isPatternSegment)
  ) {
    return (
      `"${pattern}" is not a valid pattern: use dotted lowercase segments, where a segment may be "*" ` +
      `(exactly one segment) or "**" (any number), e.g. "user.*" or "tournament.**"`
    );
  }
  return undefined;
}

function isPatternSegment(segment: string): boolean {
  return PATTERN_SEGMENT_RE.test(segment);
}

/** True when `pattern` contains a wildcard segment. */
export function isWildcardPattern(pattern: string): boolean {
  return pattern.includes('*');
}
