import { CanonicalJsonError, canonicalJson } from './canonical-json';

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

  it('sorts nested objects, keeps array order, drops undefined members and has no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: { d: undefined, c: 'x' } })).toBe(
      '{"a":{"c":"x"},"b":[3,{"a":null,"z":1}]}',
    );
  });

  it('rejects values JSON cannot carry', () => {
    expect(() => canonicalJson({ f: () => 1 })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(BigInt(1))).toThrow(CanonicalJsonError);
  });
});
