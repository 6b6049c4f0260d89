import { CanonicalJsonError } from '../../errors/canonical-json.error';
import { MAX_JSON_DEPTH, TOO_DEEP } from './json-nesting';

/**
 * JSON Canonicalization Scheme (RFC 8785): one exact text for a JSON value, so its hash does not depend on key
 * order, number spelling or the code that produced it.
 *
 * - object members sorted by their names compared as arrays of UTF-16 code units;
 * - numbers written as ECMAScript's `Number.prototype.toString` writes them (`-0` as `0`); NaN and Infinity rejected;
 * - strings escaped as the RFC requires: `"` `\` and control characters only, the short forms `\b \t \n \f \r`,
 *   other controls as `\u00xx` (lowercase hex), everything else literal; lone surrogates rejected (I-JSON);
 * - no whitespace;
 * - nesting deeper than `MAX_JSON_DEPTH` rejected, which also stops a cycle (no ancestor list is kept: the values
 *   written are event payloads, already checked acyclic when the event was made).
 *
 * Takes plain JSON values only: strings, finite numbers, booleans, null, arrays and plain objects (prototype
 * `Object.prototype` or null). Anything else (a `Date`, a `Map`, a class instance, an object with `toJSON()`,
 * `undefined` at the top, a function) throws `CanonicalJsonError` rather than being serialised some way a
 * verifier could not reproduce. As in `JSON.stringify`, members whose value is `undefined` are left out and
 * `undefined` inside an array is written as `null`.
 */
export function canonicalJson(value: unknown): string {
  return flattened(write(value, 0));
}

/**
 * `text`, made flat. Built with `+=`, it is a tree of pieces (a rope) that each consumer (sha256, the SQLite binding,
 * the PostgreSQL driver) would flatten again on its own; converting it to a number once makes V8 flatten it in
 * place, once for all of them (figures in docs/benchmarks.md).
 */
export function flattened(text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  (text as unknown as number) | 0;
  return text;
}

/** Objects with more keys than this are sorted with `Array.prototype.sort`. */
const INSERTION_SORT_LIMIT = 16;
/** Strings this long or longer are checked with `NEEDS_WORK`, shorter ones character by character. */
const SCAN_LIMIT = 16;
/** Characters that need escaping, or a surrogate half (checked for pairing separately). */
const NEEDS_WORK = /[\u0000-\u001f"\\\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

function write(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      return canonicalNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= MAX_JSON_DEPTH) throw new CanonicalJsonError(TOO_DEEP);
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        return writeObject(value as Record<string, unknown>, depth);
      }
      if (proto === Array.prototype) return writeArray(value as unknown[], depth);
      throw notPlain(value);
    }
    default:
      throw new CanonicalJsonError(`a ${typeof value} has no JSON form`);
  }
}

/** What `JSON.stringify` would turn into something else (or into `{}`): named, with what to do instead. */
function notPlain(value: object): CanonicalJsonError {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const named = typeof name === 'string' && name !== '' && name !== 'Object';
  const what = named ? `a ${name}` : 'an object with a custom prototype';
  return new CanonicalJsonError(
    `${what} is not plain JSON: convert it first (a Date with toISOString(), a Map with Object.fromEntries(), ` +
      'a class instance to a plain object)',
  );
}

function writeArray(array: readonly unknown[], depth: number): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) {
    if (i > 0) out += ',';
    // Like JSON.stringify: holes and undefined inside arrays become null.
    const item = array[i];
    out += item === undefined ? 'null' : write(item, depth + 1);
  }
  return out + ']';
}

function writeObject(record: Record<string, unknown>, depth: number): string {
  const keys = sortedKeys(record);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += canonicalString(key) + ':' + write(item, depth + 1);
  }
  return out + '}';
}

/** The record's own keys in RFC 8785 order. */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  // Default sort compares UTF-16 code units, which is exactly the order RFC 8785 asks for; so does `<` on strings.
  // For the few keys of a usual payload an insertion sort costs a fraction of a sort() call; it is quadratic, so
  // large objects keep sort().
  if (keys.length > INSERTION_SORT_LIMIT) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** A number as RFC 8785 writes it: ECMAScript's shortest round-trip form. */
export function canonicalNumber(value: number): string {
  if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} is not a JSON number`);
  // Number.prototype.toString implements ECMAScript Number::toString, the algorithm RFC 8785 cites; -0 gives "0".
  return String(value);
}

/** A string as RFC 8785 writes it (quotes included). */
export function canonicalString(value: string): string {
  return needsEscaping(value) ? escapedString(value) : '"' + value + '"';
}

/**
 * True when `value` is not its own canonical form between plain quotes: it holds a character that must be escaped
 * or a surrogate half (paired or not; `canonicalString` tells them apart).
 */
export function needsEscaping(value: string): boolean {
  // Each regex call has a fixed cost that a plain loop only catches up with at about SCAN_LIMIT characters.
  if (value.length >= SCAN_LIMIT) return NEEDS_WORK.test(value);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

function escapedString(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new CanonicalJsonError(
      'a string holds a lone UTF-16 surrogate, which I-JSON (and RFC 8785) forbid',
    );
  }
  let out = '"';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code !== 0x22 && code !== 0x5c) continue;
    if (i > start) out += value.slice(start, i);
    out += SHORT_ESCAPES[code] ?? '\\u00' + (code < 0x10 ? '0' : '') + code.toString(16);
    start = i + 1;
  }
  if (start < value.length) out += value.slice(start);
  return out + '"';
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** `value` with every lone surrogate replaced by U+FFFD (what `String.prototype.toWellFormed` does). */
export function wellFormedString(value: string): string {
  return value.replace(LONE_SURROGATES, '\ufffd');
}
