import { errorMessage } from '../../common/error-message';
import type { ValidationIssue } from '../../errors/event-validation.error';
import { ARRAY_BYTES, numberBytes, OBJECT_BYTES, SLOT_BYTES, stringBytes } from './heap-size';
import { nestingProblem } from './json-nesting';

const EMPTY_PATH: readonly (string | number)[] = [];

/** The outcome of copying a payload into plain, frozen JSON data. */
export interface NormalizedPayload {
  value: unknown;
  /** Estimated heap bytes of the copy (see `json/heap-size.ts`). */
  size: number;
  issues: ValidationIssue[] | undefined;
}

/** Decides, per object key, whether its value is secret and must be replaced with `marker`. */
export interface PayloadRedactor {
  readonly marker: string;
  redacts(key: string): boolean;
  /** Told each value it redacted (to find it later in error texts). */
  redacted?(value: unknown): void;
}

/**
 * Copies `input` into frozen plain JSON data in one walk, checking as it goes that `JSON.parse(JSON.stringify(x))`
 * would give the same value back. Rejected: cycles, functions, symbols, bigints, non-finite numbers, `undefined`
 * inside arrays, and objects that are not plain (class instances, Dates, Maps...). Object keys whose value is
 * `undefined` are dropped, as JSON would; `-0` becomes `0`. Keys named `__proto__` stay own data properties of the
 * copy, so they can never reach a prototype. The caller's objects are never modified. With a `redactor`, the value
 * of every key it calls secret (at any depth) is replaced with its marker.
 */
export function normalizePayload(input: unknown, redactor?: PayloadRedactor): NormalizedPayload {
  try {
    if (isPlainRecord(input)) return copyTopRecord(input, redactor);
    const walker = new PayloadWalker(redactor);
    const value = walker.copy(input);
    return { value, size: walker.size, issues: walker.issues };
  } catch (error) {
    // A getter on the payload threw: report it like any other bad value instead of letting it escape raw.
    const message = errorMessage(error);
    return {
      value: undefined,
      size: 0,
      issues: [{ path: '', message: `reading the payload threw: ${message}` }],
    };
  }
}

/** Sets `out[key]` as an own data property, `__proto__` included (plain assignment would set the prototype). */
export function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The walker's `copyRecord()` for the top-level object, with the common values (strings, finite numbers,
 * booleans, null) copied inline: a flat payload costs no walker, no path and no ancestor list. Anything else is
 * handed to a walker made on first need, which then sees the same ancestors and path as in a full walk.
 */
function copyTopRecord(
  record: Record<string, unknown>,
  redactor: PayloadRedactor | undefined,
): NormalizedPayload {
  const out: Record<string, unknown> = {};
  let size = OBJECT_BYTES;
  let walker: PayloadWalker | undefined;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = record[key];
    if (item === undefined) continue;
    let copied: unknown;
    if (redactor !== undefined && redactor.redacts(key)) {
      redactor.redacted?.(item);
      copied = redactor.marker;
    } else if (typeof item === 'string') {
      copied = item;
      size += stringBytes(item);
    } else if (typeof item === 'number' && Number.isFinite(item)) {
      copied = item === 0 ? 0 : item;
      size += numberBytes(item);
    } else if (typeof item === 'boolean' || item === null) {
      copied = item;
    } else {
      walker ??= new PayloadWalker(redactor);
      copied = walker.copyMember(record, key, item);
    }
    size += SLOT_BYTES;
    setMember(out, key, copied);
  }
  return { value: Object.freeze(out), size: size + (walker?.size ?? 0), issues: walker?.issues };
}

class PayloadWalker {
  size = 0;
  issues: ValidationIssue[] | undefined;
  private readonly ancestors: object[] = [];
  private readonly path: (string | number)[] = [];

  constructor(private readonly redactor: PayloadRedactor | undefined) {}

  copy(value: unknown): unknown {
    switch (typeof value) {
      case 'string':
        this.size += stringBytes(value);
        return value;
      case 'number':
        if (!Number.isFinite(value)) return this.fail(`${value} is not a JSON number`);
        this.size += numberBytes(value);
        return value === 0 ? 0 : value;
      case 'boolean':
        return value;
      case 'undefined':
        return this.fail('undefined is not a JSON value (use null, or leave the key out)');
      case 'object':
        if (value === null) return null;
        return this.copyObject(value);
      case 'bigint':
        return this.fail('a bigint is not a JSON value (send it as a string)');
      default:
        return this.fail(`a ${typeof value} is not a JSON value`);
    }
  }

  /** Copies `value`, found under `key` of the top-level `record` (whose copy the caller builds). */
  copyMember(record: object, key: string, value: unknown): unknown {
    this.ancestors.push(record);
    this.path.push(key);
    const copied = this.copy(value);
    this.path.pop();
    this.ancestors.pop();
    return copied;
  }

  private copyObject(value: object): unknown {
    const problem = nestingProblem(value, this.ancestors);
    if (problem !== undefined) return this.fail(problem);
    if (Array.isArray(value)) return this.copyArray(value);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      const hint =
        kind === 'Date' ? ' (send date.toISOString())' : ' (send a plain object, e.g. { ...value })';
      return this.fail(`a ${kind} instance is not plain JSON data${hint}`);
    }
    return this.copyRecord(value as Record<string, unknown>);
  }

  private copyArray(array: readonly unknown[]): unknown[] {
    const out = new Array<unknown>(array.length);
    this.size += ARRAY_BYTES + SLOT_BYTES * array.length;
    this.ancestors.push(array);
    for (let i = 0; i < array.length; i++) {
      this.path.push(i);
      out[i] = this.copy(array[i]);
      this.path.pop();
    }
    this.ancestors.pop();
    return Object.freeze(out) as unknown[];
  }

  private copyRecord(record: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.size += OBJECT_BYTES;
    const keys = Object.keys(record);
    this.ancestors.push(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const item = record[key];
      if (item === undefined) continue;
      let copied: unknown;
      if (this.redactor !== undefined && this.redactor.redacts(key)) {
        this.redactor.redacted?.(item);
        copied = this.redactor.marker;
      } else {
        this.path.push(key);
        copied = this.copy(item);
        this.path.pop();
      }
      this.size += SLOT_BYTES;
      setMember(out, key, copied);
    }
    this.ancestors.pop();
    return Object.freeze(out);
  }

  private fail(message: string): undefined {
    (this.issues ??= []).push({ path: formatPath(this.path.length ? this.path : EMPTY_PATH), message });
    return undefined;
  }
}

function formatPath(path: readonly (string | number)[]): string {
  return path.join('.');
}

/** Freezes `value` and every object reachable from it that is not frozen yet. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
