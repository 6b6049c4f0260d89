import { CanonicalJsonError } from '../../errors/canonical-json.error';
import { canonicalJson, canonicalString, needsEscaping } from './canonical-json';

/** Builds a double from its IEEE 754 bit pattern, as RFC 8785 appendix B lists them. */
function fromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('serializes the RFC 8785 section 3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the number with bits %s as %s (RFC 8785 appendix B)', (hex, expected) => {
    expect(canonicalJson(fromHex(hex))).toBe(expected);
  });

  it.each([['7fffffffffffffff'], ['7ff0000000000000'], ['fff0000000000000']])(
    'rejects the non-finite number with bits %s',
    (hex) => {
      expect(() => canonicalJson(fromHex(hex))).toThrow(CanonicalJsonError);
    },
  );

  it('escapes every control character like the RFC (short forms, else lowercase \\u00xx) and nothing else', () => {
    let all = '';
    for (let code = 0; code < 0x80; code++) all += String.fromCharCode(code);
    all += '\u2028\u2029\u007f/';
    // JSON.stringify follows the same ECMAScript rules for well-formed strings.
    expect(canonicalJson(all)).toBe(JSON.stringify(all));
    expect(canonicalJson('\u001f\b')).toBe('"\\u001f\\b"');
  });

  it('rejects lone surrogates, keeps surrogate pairs', () => {
    expect(() => canonicalJson('a\ud800b')).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ ['\udc00']: 1 })).toThrow(CanonicalJsonError);
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('sorts integer-like keys as text, although they are enumerated first in numeric order', () => {
    expect(canonicalJson({ a: 1, 10: 2, 9: 3, '-1': 4, 1: 5, '01': 6, '': 7 })).toBe(
      '{"":7,"-1":4,"01":6,"1":5,"10":2,"9":3,"a":1}',
    );
  });

  it('sorts keys that need escaping by their raw code units, not by their escaped text', () => {
    expect(canonicalJson({ 'b"': 1, 'a\n': 2, '\\': 3, a: 4, '\u001f': 5, ' ': 6 })).toBe(
      '{"\\u001f":5," ":6,"\\\\":3,"a":4,"a\\n":2,"b\\"":1}',
    );
  });

  // Keys in RFC 8785 order: integer-like keys as text, a surrogate pair (U+1F600) before U+E000 and above.
  const sortedKeys = [
    '',
    '-1',
    '1',
    '10',
    '100',
    '2',
    '9',
    'A',
    '_',
    'a',
    'aa',
    '\u00e9',
    '\u20ac',
    '\ud800\udc00',
    '\ud83d\ude00',
    '\ue000',
    '\ufb33',
    '\uffff',
  ];

  it.each([
    [16, sortedKeys.slice(2)],
    [17, sortedKeys.slice(1)],
    [18, sortedKeys],
    [
      42,
      [
        ...sortedKeys.slice(0, 11),
        ...Array.from({ length: 24 }, (_, i) => `k${i + 10}`),
        ...sortedKeys.slice(11),
      ],
    ],
  ])('sorts %i keys given in reverse order by UTF-16 code units', (count, keys) => {
    expect(keys).toHaveLength(count);
    const record: Record<string, number> = {};
    for (let i = keys.length - 1; i >= 0; i--) record[keys[i]] = i;
    expect(canonicalJson(record)).toBe('{' + keys.map((key, i) => `"${key}":${i}`).join(',') + '}');
  });

  it('writes the 18-key example exactly', () => {
    const record: Record<string, number> = {};
    for (let i = sortedKeys.length - 1; i >= 0; i--) record[sortedKeys[i]] = i;
    expect(canonicalJson(record)).toBe(
      '{"":0,"-1":1,"1":2,"10":3,"100":4,"2":5,"9":6,"A":7,"_":8,"a":9,"aa":10,"\u00e9":11,"\u20ac":12,' +
        '"\ud800\udc00":13,"\ud83d\ude00":14,"\ue000":15,"\ufb33":16,"\uffff":17}',
    );
  });

  const lone = 'a string holds a lone UTF-16 surrogate, which I-JSON (and RFC 8785) forbid';

  it.each([1, 14, 15, 16, 17, 40])(
    'checks strings of %i characters for every character needing work',
    (length) => {
      const plain = 'x'.repeat(length - 1);
      for (const [char, escaped] of [
        ['"', '\\"'],
        ['\\', '\\\\'],
        ['\u0000', '\\u0000'],
        ['\u001f', '\\u001f'],
        ['\n', '\\n'],
      ]) {
        expect(needsEscaping(plain + char)).toBe(true);
        expect(needsEscaping(char + plain)).toBe(true);
        expect(canonicalString(plain + char)).toBe(`"${plain}${escaped}"`);
        expect(canonicalString(char + plain)).toBe(`"${escaped}${plain}"`);
      }
      for (const char of [' ', '/', '\u007f', '\u2028', '\ud7ff', '\ue000', '\uffff']) {
        expect(needsEscaping(plain + char)).toBe(false);
        expect(canonicalString(plain + char)).toBe(`"${plain}${char}"`);
      }
      for (const half of ['\ud800', '\udbff', '\udc00', '\udfff']) {
        expect(needsEscaping(plain + half)).toBe(true);
        expect(() => canonicalString(plain + half)).toThrow(new CanonicalJsonError(lone));
        expect(() => canonicalString(half + plain)).toThrow(new CanonicalJsonError(lone));
        expect(() => canonicalJson({ [plain + half]: 1 })).toThrow(new CanonicalJsonError(lone));
        expect(() => canonicalJson({ k: [plain + half] })).toThrow(new CanonicalJsonError(lone));
      }
    },
  );

  it.each([14, 15, 16, 17])('keeps a surrogate pair that ends a string of %i code units', (length) => {
    const text = 'x'.repeat(length - 2) + '\ud83d\ude00';
    expect(needsEscaping(text)).toBe(true);
    expect(canonicalString(text)).toBe('"' + text + '"');
    expect(canonicalJson({ [text]: text })).toBe(`{"${text}":"${text}"}`);
    expect(() => canonicalString(text.slice(0, -1))).toThrow(new CanonicalJsonError(lone));
    expect(() => canonicalString(text.slice(0, -2) + '\ude00\ud83d')).toThrow(new CanonicalJsonError(lone));
  });

  it('sorts nested objects, keeps array order, drops undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: { d: undefined, c: 'x' } })).toBe(
      '{"a":{"c":"x"},"b":[3,{"a":null,"z":1}]}',
    );
  });

  it('rejects values JSON cannot carry', () => {
    expect(() => canonicalJson({ f: () => 1 })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(BigInt(1))).toThrow(CanonicalJsonError);
  });

  it.each([
    ['a Date', new Date(0), 'a Date is not plain JSON'],
    ['a Map', new Map([['a', 1]]), 'a Map is not plain JSON'],
    ['a Set', new Set([1]), 'a Set is not plain JSON'],
    ['a class instance', new (class Money {})(), 'a Money is not plain JSON'],
    ['a boxed string', Object('text'), 'a String is not plain JSON'],
    ['an object with a custom prototype', Object.create({ inherited: 1 }), 'custom prototype'],
    ['an array subclass', new (class Lines extends Array {})(), 'a Lines is not plain JSON'],
  ])(
    'rejects %s (JSON.stringify would not give "{}" back for it either) with what to do',
    (_, value, says) => {
      expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
      expect(() => canonicalJson(value)).toThrow(says);
      expect(() => canonicalJson({ nested: [value] })).toThrow(says);
    },
  );

  it('rejects an object with toJSON() (its JSON would not be its members)', () => {
    expect(() => canonicalJson({ at: 1, toJSON: () => 'x' })).toThrow('a function has no JSON form');
  });

  it('takes objects without a prototype, as JSON.parse(reviver) and normalised payloads may build them', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [true] });
    expect(canonicalJson(bare)).toBe('{"a":[true],"b":1}');
  });
});
