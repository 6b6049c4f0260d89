import { toPlainData } from './plain-data';

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  format(): string {
    return `${this.amount} ${this.currency}`;
  }
}

describe('toPlainData', () => {
  it('returns plain JSON data as is, without copying', () => {
    const payload = { id: 'u1', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } };
    const result = toPlainData(payload);
    expect(result).toEqual({ ok: true, value: payload });
    expect(result.ok && result.value).toBe(payload);
  });

  it('turns class instances, Dates, Maps, Sets and bigints into plain data the way JSON sees them', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const result = toPlainData({
      price: new Money(5, 'EUR'),
      at,
      byId: new Map([['a', 1]]),
      ids: new Set(['x', 'y']),
      big: 10n,
      nan: Number.NaN,
      fn: () => 1,
      list: [undefined, () => 2],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        price: { amount: 5, currency: 'EUR' },
        at: '2026-01-02T03:04:05.000Z',
        byId: { a: 1 },
        ids: ['x', 'y'],
        big: '10',
        nan: null,
        list: [null, null],
      },
    });
    expect(Object.getPrototypeOf(result.ok && (result.value as { price: object }).price)).toBe(
      Object.prototype,
    );
  });

  it('keeps an Error as its name and message', () => {
    const error = new TypeError('bad');
    expect(toPlainData(error)).toEqual({ ok: true, value: { name: 'TypeError', message: 'bad' } });
  });

  it('refuses cycles and throwing getters instead of throwing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toPlainData(cyclic)).toEqual({ ok: false, reason: 'the payload has a circular reference' });
    const trap = {};
    Object.defineProperty(trap, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter failed');
      },
    });
    expect(toPlainData(trap)).toEqual({ ok: false, reason: 'getter failed' });
  });

  it('never turns a __proto__ key into a prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const input = { price: new Money(1, 'USD'), ...parsed };
    const result = toPlainData(input);
    expect(result.ok).toBe(true);
    const value = (result as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
