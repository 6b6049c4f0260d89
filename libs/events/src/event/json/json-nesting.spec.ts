import { CanonicalJsonError } from '../../errors/canonical-json.error';
import { canonicalJson } from './canonical-json';
import { CIRCULAR, MAX_JSON_DEPTH, nestingProblem, TOO_DEEP } from './json-nesting';
import { normalizePayload } from './json-payload';
import { toPlainData } from './plain-data';

/** `levels` objects, each inside the one before: `{ a: { a: ... { leaf: true } } }`. */
function nested(levels: number, array = false): unknown {
  let value: unknown = array ? [true] : { leaf: true };
  for (let i = 1; i < levels; i++) value = array ? [value] : { a: value };
  return value;
}

describe('nestingProblem', () => {
  it('names a cycle, then too deep, else nothing', () => {
    const outer = {};
    expect(nestingProblem(outer, [outer])).toBe(CIRCULAR);
    expect(nestingProblem({}, new Array<object>(MAX_JSON_DEPTH).fill({}))).toBe(TOO_DEEP);
    expect(nestingProblem({}, new Array<object>(MAX_JSON_DEPTH - 1).fill({}))).toBeUndefined();
  });
});

describe.each([
  ['objects', false],
  ['arrays', true],
])('the three JSON walkers agree on the nesting limit (%s)', (_kind, array) => {
  it(`accept ${MAX_JSON_DEPTH} levels`, () => {
    const value = nested(MAX_JSON_DEPTH, array);
    expect(normalizePayload(value).issues).toBeUndefined();
    expect(toPlainData(value).ok).toBe(true);
    expect(() => canonicalJson(value)).not.toThrow();
  });

  it(`refuse ${MAX_JSON_DEPTH + 1} levels with the same words`, () => {
    const value = nested(MAX_JSON_DEPTH + 1, array);
    expect(normalizePayload(value).issues?.[0].message).toBe(TOO_DEEP);
    expect(toPlainData(value)).toEqual({ ok: false, reason: `the payload is ${TOO_DEEP}` });
    expect(() => canonicalJson(value)).toThrow(new CanonicalJsonError(TOO_DEEP));
  });
});

describe('cycles', () => {
  it('are named by the payload copy and the bridge conversion, and stopped by depth in the canonical form', () => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = { back: cyclic };
    expect(normalizePayload(cyclic).issues).toEqual([{ path: 'self.back', message: CIRCULAR }]);
    expect(toPlainData(cyclic)).toEqual({ ok: false, reason: `the payload has a ${CIRCULAR}` });
    expect(() => canonicalJson(cyclic)).toThrow(new CanonicalJsonError(TOO_DEEP));
  });
});
