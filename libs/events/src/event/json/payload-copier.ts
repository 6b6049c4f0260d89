import type { PayloadRedactor } from './json-payload';
import { numberBytes, OBJECT_BYTES, SLOT_BYTES, stringBytes } from './heap-size';

/** A copier gives up on a shape with more keys than this (the walker handles it). */
const MAX_KEYS = 32;
const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/**
 * The compiled part: returns the frozen copy of `payload` (its size set on `into`), or undefined when it is not
 * its shape.
 */
type CompiledCopy = (payload: object, into: PayloadCopier, sizes: SizeOf) => object | undefined;

interface SizeOf {
  readonly string: (value: string) => number;
  readonly number: (value: number) => number;
}

const SIZE_OF: SizeOf = { string: stringBytes, number: numberBytes };

/**
 * Copies payloads of one flat shape (the same keys in the same order, each holding a string, finite number,
 * boolean or null) into frozen plain objects, as `normalizePayload()` would, without walking them: the copy is
 * an object literal compiled for the shape, so every copy gets one hidden class. `copy()` returns false for any
 * other payload, which then goes through the walker.
 */
export class PayloadCopier {
  /** The copy made by the last successful `copy()`. */
  value: object | undefined;
  /** Its estimated heap bytes. */
  size = 0;

  private constructor(private readonly compiled: CompiledCopy) {}

  /**
   * A copier for `sample`'s shape, or undefined when the shape does not suit one (not a plain object, nested or
   * non-JSON values, a `__proto__` or array-index key, too many keys) or code cannot be compiled here.
   */
  static forShape(sample: unknown, redactor: PayloadRedactor | undefined): PayloadCopier | undefined {
    if (!isPlainObject(sample)) return undefined;
    const keys = Object.keys(sample);
    if (keys.length === 0 || keys.length > MAX_KEYS) return undefined;
    for (const key of keys) {
      if (key === '__proto__' || ARRAY_INDEX.test(key) || !isFlatValue(sample[key])) return undefined;
    }
    const redacted = keys.map((key) => redactor !== undefined && redactor.redacts(key));
    try {
      const seen = (value: unknown) => redactor?.redacted?.(value);
      return new PayloadCopier(compile(keys, redacted, redactor?.marker ?? '', seen));
    } catch {
      // Code generation can be switched off (--disallow-code-generation-from-strings): the walker still works.
      return undefined;
    }
  }

  /** Copies a payload of its shape into `value` and `size` and returns true; false for any other payload. */
  copy(payload: object): boolean {
    const value = this.compiled(payload, this, SIZE_OF);
    if (value === undefined) return false;
    this.value = value;
    return true;
  }

  /**
   * The frozen copy of a payload of its shape (its size in `size`), or undefined for any other payload: `copy()`
   * without keeping the copy, which spares the store of a new object into this long-lived one.
   */
  copied(payload: object): object | undefined {
    return this.compiled(payload, this, SIZE_OF);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isFlatValue(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    value === null ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Builds the copy function. It checks the exact key sequence (for-in lists enumerable own keys in order, and
 * inherited ones, which a plain object has none of), reads the values, checks the prototype, then each value's
 * kind, and builds the copy as one literal. Keys enter the code only as JSON string literals.
 *
 * The prototype is read after the values: their loads check the payload's hidden class, which lets the optimising
 * compiler answer `Object.getPrototypeOf` from it instead of calling into the runtime. Reading first is only
 * visible to an object with getters among the shape's keys: a plain one has them read by the walker too, any other
 * is declined and refused by the walker.
 */
function compile(
  keys: readonly string[],
  redacted: readonly boolean[],
  marker: string,
  seen: (value: unknown) => void,
): CompiledCopy {
  const names = keys.map((key) => JSON.stringify(key));
  // One constant comparison per position: no keyed load of a key list.
  const cases = names.map((name, i) => `case ${i}: if (k !== ${name}) return undefined; break;`);
  const lines: string[] = [
    'let n = 0;',
    `for (const k in p) { switch (n++) { ${cases.join(' ')} default: return undefined; } }`,
    `if (n !== ${keys.length}) return undefined;`,
    ...names.map((name, i) => `let v${i} = p[${name}];`),
    'const proto = Object.getPrototypeOf(p);',
    'if (proto !== Object.prototype && proto !== null) return undefined;',
    `let size = ${OBJECT_BYTES + SLOT_BYTES * keys.length};`,
  ];
  const members: string[] = [];
  names.forEach((name, i) => {
    if (redacted[i]) {
      // The walker drops a key whose value is undefined before redacting it: so must the shape check.
      lines.push(`if (v${i} === undefined) return undefined;`);
      members.push(`${name}: (SEEN(v${i}), MARKER)`);
      return;
    }
    lines.push(
      `if (typeof v${i} === 'string') size += sizes.string(v${i});`,
      `else if (typeof v${i} === 'number') { if (v${i} - v${i} !== 0) return undefined; if (v${i} === 0) v${i} = 0; size += sizes.number(v${i}); }`,
      `else if (typeof v${i} !== 'boolean' && v${i} !== null) return undefined;`,
    );
    members.push(`${name}: v${i}`);
  });
  lines.push('into.size = size;', `return Object.freeze({ ${members.join(', ')} });`);
  const factory = new Function(
    'MARKER',
    'SEEN',
    `return function copy(p, into, sizes) {\n${lines.join('\n')}\n};`,
  );
  return factory(marker, seen) as CompiledCopy;
}
