import { errorMessage } from '../../common/error-message';
import { CIRCULAR, nestingProblem } from './json-nesting';
import { setMember } from './json-payload';

/** The outcome of `toPlainData()`: the plain value, or why there is none. */
export type PlainDataResult = { ok: true; value: unknown } | { ok: false; reason: string };

class NotConvertible extends Error {
  override readonly name = 'NotConvertible';
}

/**
 * Turns what another library emitted (class instances, Dates, Maps...) into plain JSON data the bus accepts,
 * the way `JSON.stringify` would see it: `toJSON()` is honoured (Dates become ISO strings), class instances
 * become their own enumerable properties, Maps objects, Sets arrays, bigints strings, non-finite numbers `null`,
 * functions, symbols and `undefined` are left out (`null` inside arrays). Plain input is returned as is,
 * without a copy. Cycles, nesting deeper than `MAX_JSON_DEPTH` (64) levels and throwing getters give `{ ok: false }`, never throw.
 */
export function toPlainData(value: unknown): PlainDataResult {
  try {
    return { ok: true, value: convert(value, []) };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

function convert(value: unknown, ancestors: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? null : convertObject(value, ancestors);
    default:
      return undefined;
  }
}

function convertObject(value: object, ancestors: object[]): unknown {
  const problem = nestingProblem(value, ancestors);
  if (problem === CIRCULAR) throw new NotConvertible('the payload has a circular reference');
  if (problem !== undefined) throw new NotConvertible(`the payload is ${problem}`);
  ancestors.push(value);
  try {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return convert(toJSON.call(value), ancestors);
    if (Array.isArray(value)) return convertArray(value, ancestors);
    if (value instanceof Map) return convertRecord(Object.fromEntries(value), ancestors, false);
    if (value instanceof Set) return convertArray([...value], ancestors);
    if (ArrayBuffer.isView(value))
      return convertArray(Array.from(value as unknown as ArrayLike<unknown>), ancestors);
    if (value instanceof Error) {
      return convertRecord({ ...value, name: value.name, message: value.message }, ancestors, false);
    }
    const proto: unknown = Object.getPrototypeOf(value);
    return convertRecord(
      value as Record<string, unknown>,
      ancestors,
      proto === Object.prototype || proto === null,
    );
  } finally {
    ancestors.pop();
  }
}

function convertArray(array: readonly unknown[], ancestors: object[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let converted = convert(item, ancestors);
    if (converted === undefined) converted = null;
    if (converted !== item && out === undefined) out = array.slice(0, i);
    if (out !== undefined) out.push(converted);
  }
  return out ?? (array as unknown[]);
}

/** Copies only when something changed or the object is not plain; keeps `__proto__` an own data key. */
function convertRecord(record: Record<string, unknown>, ancestors: object[], plain: boolean): unknown {
  const keys = Object.keys(record);
  let out: Record<string, unknown> | undefined = plain ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const item = record[key];
    const converted = convert(item, ancestors);
    if (out === undefined && converted !== item) {
      out = {};
      for (let j = 0; j < i; j++) setMember(out, keys[j], record[keys[j]]);
    }
    if (out !== undefined && converted !== undefined) setMember(out, key, converted);
  }
  return out ?? record;
}
