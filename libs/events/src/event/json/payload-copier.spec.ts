import { KeyRedactor } from '../key-redactor';
import { normalizePayload } from './json-payload';
import { PayloadCopier } from './payload-copier';

function copierFor(sample: unknown, redactor?: KeyRedactor): PayloadCopier {
  const copier = PayloadCopier.forShape(sample, redactor);
  if (!copier) throw new Error('expected a copier for this shape');
  return copier;
}

describe('PayloadCopier', () => {
  it('copies a payload of its shape like the walker: equal, frozen, a new object, same size', () => {
    const copier = copierFor({ userId: 'u', seq: 1, ok: true, note: null });
    const payload = { userId: 'user-7', seq: -0, ok: false, note: null };
    expect(copier.copy(payload)).toBe(true);
    const walked = normalizePayload(payload);
    expect(copier.value).toEqual(walked.value);
    expect(Object.is((copier.value as { seq: number }).seq, 0)).toBe(true);
    expect(copier.value).not.toBe(payload);
    expect(Object.isFrozen(copier.value)).toBe(true);
    expect(Object.keys(copier.value!)).toEqual(['userId', 'seq', 'ok', 'note']);
    expect(copier.size).toBe(walked.size);
  });

  it('redacts the keys the redactor calls secret, as the walker does', () => {
    const redactor = new KeyRedactor();
    const copier = copierFor({ email: 'a', password: 'b' }, redactor);
    const payload = { email: 'x@y.z', password: 'hunter2' };
    expect(copier.copy(payload)).toBe(true);
    expect(copier.value).toEqual({ email: 'x@y.z', password: '[REDACTED]' });
    expect(copier.value).toEqual(normalizePayload(payload, redactor).value);
  });

  it.each([
    ['another key order', { seq: 1, userId: 'u' }],
    ['a missing key', { userId: 'u' }],
    ['an extra key', { userId: 'u', seq: 1, more: 1 }],
    ['a nested value', { userId: { id: 'u' }, seq: 1 }],
    ['an undefined value', { userId: undefined, seq: 1 }],
    ['a non-finite number', { userId: 'u', seq: Infinity }],
    ['NaN', { userId: 'u', seq: NaN }],
    ['a bigint', { userId: 'u', seq: 1n }],
    [
      'a class instance with the same keys',
      new (class Point {
        userId = 'u';
        seq = 1;
      })(),
    ],
    ['an array', ['u', 1]],
  ])('declines %s, leaving it to the walker', (_, payload) => {
    const copier = copierFor({ userId: 'u', seq: 1 });
    expect(copier.copy(payload as object)).toBe(false);
  });

  it('declines a key hidden from enumeration that another key stands in for', () => {
    const copier = copierFor({ userId: 'u', seq: 1 });
    const payload = { other: 'x', seq: 1 };
    Object.defineProperty(payload, 'userId', { value: 'u', enumerable: false });
    expect(copier.copy(payload)).toBe(false);
  });

  it.each([
    ['a nested value', { a: { b: 1 } }],
    ['an array value', { a: [1] }],
    ['a __proto__ key', JSON.parse('{"__proto__": 1}')],
    ['an array-index key', { 0: 'a' }],
    ['no keys', {}],
    ['a Date', new Date()],
    ['a string', 'text'],
    ['too many keys', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))],
  ])('makes no copier for %s', (_, sample) => {
    expect(PayloadCopier.forShape(sample, undefined)).toBeUndefined();
  });

  it('never puts a key into code: hostile key names are copied as data', () => {
    const key = '"]; globalThis.pwned = true; ["';
    const copier = copierFor({ [key]: 1, "a'b": 'x', 'c\\d': true });
    expect(copier.copy({ [key]: 2, "a'b": 'y', 'c\\d': false })).toBe(true);
    expect(copier.value).toEqual({ [key]: 2, "a'b": 'y', 'c\\d': false });
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
  });
});
