import { EventsConfigError } from '../errors/events-config.error';

/** True for a non-null object that is not an array: the shape of every object option. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `fallback` when `value` is undefined, else `value` if it is a boolean; throws `EventsConfigError` naming `option`. */
export function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new EventsConfigError(option, 'true or false', value);
  return value;
}

/** What a number option accepts. */
export interface NumberRule {
  /** Smallest allowed value; default 0. */
  readonly min?: number;
  /** Largest allowed value; default none. */
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** What the number counts, for the error message (`milliseconds`, `bytes`...). */
  readonly unit?: string;
  /** The error message's whole description of what is accepted, when the range alone says too little. */
  readonly expected?: string;
}

/**
 * `fallback` when `value` is undefined, else `value` if it is a finite number within the rule; throws
 * `EventsConfigError` naming `option` and the accepted range. The one number check of every option. `scope` says
 * whose option it is in the message (default `EventsModule option`).
 */
export function checkNumber(
  option: string,
  value: unknown,
  fallback: number,
  rule: NumberRule = {},
  scope?: string,
): number {
  if (value === undefined) return fallback;
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!rule.integer || Number.isInteger(value));
  if (!ok) throw new EventsConfigError(option, rule.expected ?? describeRule(min, max, rule), value, scope);
  return value as number;
}

function describeRule(min: number, max: number, rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  const unit = rule.unit ? ` of ${rule.unit}` : '';
  if (max === Number.MAX_SAFE_INTEGER) return `${kind}${unit} >= ${min}`;
  return `${kind}${unit} from ${min} to ${max}`;
}
