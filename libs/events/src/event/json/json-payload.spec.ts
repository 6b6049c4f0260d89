import { deepFreeze, normalizePayload } from './json-payload';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('normalizePayload', () => {
  it('returns a deep-frozen copy and leaves the caller object unfrozen and unchanged', () => {
    const input = { user: { id: 'u1', tags: ['a', { b: 1 }] }, n: 1.5, ok: true, none: null };
    const snapshot = JSON.parse(JSON.stringify(input));
    const { value, issues } = normalizePayload(input);
    expect(issues).toBeUndefined();
    expect(value).toStrictEqual(snapshot);
    expect(value).not.toBe(input);
    const copy = value as typeof input;
    expect(Object.isFrozen(copy)).toBe(true);
    expect(Object.isFrozen(copy.user)).toBe(true);
    expect(Object.isFrozen(copy.user.tags)).toBe(true);
    expect(Object.isFrozen(copy.user.tags[1])).toBe(true);
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(input.user.tags)).toBe(false);
    expect(input).toStrictEqual(snapshot);
  });

  it('drops object keys whose value is undefined, as JSON.stringify does', () => {
    const { value, issues } = normalizePayload({ a: 1, b: undefined });
    expect(issues).toBeUndefined();
    expect(value).toStrictEqual({ a: 1 });
  });

  it.each([
    [
      'a cycle',
      () => {
        const a: Record<string, unknown> = { x: 1 };
        a.self = a;
        return a;
      },
      'self',
      /circular/,
    ],
    ['a function', () => ({ f: () => 1 }), 'f', /function/],
    ['a symbol', () => ({ s: Symbol('s') }), 's', /symbol/],
    ['a bigint', () => ({ big: 10n }), 'big', /bigint/],
    ['NaN', () => ({ n: NaN }), 'n', /NaN/],
    ['Infinity', () => ({ list: [1, Infinity] }), 'list.1', /Infinity/],
    ['a Date', () => ({ at: new Date(0) }), 'at', /Date.*toISOString/],
    ['a Map', () => ({ m: new Map() }), 'm', /Map/],
    ['a class instance', () => ({ p: new Point(1, 2) }), 'p', /Point/],
    ['undefined in an array', () => ({ list: [1, undefined] }), 'list.1', /undefined/],
  ])('rejects %s, naming the path', (_label, make, path, message) => {
    const { issues } = normalizePayload(make());
    expect(issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('lists every bad value, not only the first', () => {
    const { issues } = normalizePayload({ a: NaN, nested: { b: () => 0, c: [1n] } });
    expect(issues?.map((i) => i.path)).toEqual(['a', 'nested.b', 'nested.c.0']);
  });

  it('reports a getter that throws as an issue instead of throwing', () => {
    const input = {
      get boom(): number {
        throw new Error('nope');
      },
    };
    expect(normalizePayload(input).issues).toEqual([{ path: '', message: expect.stringContaining('nope') }]);
  });

  it('keeps __proto__ and constructor keys as plain data without touching any prototype', () => {
    const hostile = JSON.parse(
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}',
    );
    const { value, issues } = normalizePayload(hostile);
    expect(issues).toBeUndefined();
    const copy = value as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toStrictEqual({ polluted: 'yes' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    // Jest's equality reads `__proto__` through the accessor, so compare the JSON text instead.
    expect(JSON.stringify(copy)).toBe(JSON.stringify(hostile));
  });

  it('gives a larger size to a larger payload', () => {
    const small = normalizePayload({ a: 'x' }).size;
    const large = normalizePayload({ a: 'x'.repeat(10_000) }).size;
    expect(large - small).toBeGreaterThanOrEqual(9_999);
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays', () => {
    const value = deepFreeze({ a: { b: [{ c: 1 }] } });
    expect(Object.isFrozen(value.a.b[0])).toBe(true);
  });
});
