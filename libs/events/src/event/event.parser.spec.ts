import { EventBusService } from '../bus/event-bus.service';
import { EventValidationError } from '../errors/event-validation.error';
import type { BusEvent } from './bus-event.interface';
import { parseEvent } from './event.parser';

function validationError(run: () => unknown): EventValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return error as EventValidationError;
  }
  throw new Error('expected an EventValidationError, nothing was thrown');
}

function sampleEvents(): BusEvent[] {
  const bus = new EventBusService({ source: 'orders-api' });
  const plain = bus.emit('order.placed', { id: 'o1', lines: [{ sku: 'a', qty: 2 }], note: null });
  let nested: BusEvent | undefined;
  bus.on('order.placed', () => {
    nested = bus.emit(
      'invoice.created',
      { total: 12.5 },
      { severity: 'warning', metadata: { tenant: { id: 7 } } },
    );
  });
  bus.emit('order.placed', { id: 'o2' }, { actorId: 'user-1', correlationId: 'req-42' });
  const noData = bus.emit('system.tick');
  return [plain, nested!, noData];
}

describe('parseEvent', () => {
  it.each(sampleEvents().map((e) => [e.type, e]))(
    'round-trips a %s event exactly through JSON',
    (_type, event) => {
      const text = JSON.stringify(event);
      const parsed = parseEvent(text);
      expect(parsed).toStrictEqual(event);
      expect(JSON.stringify(parsed)).toBe(text);
      expect(parseEvent(JSON.parse(text))).toStrictEqual(event);
    },
  );

  it('returns a deep-frozen event', () => {
    const [, nested] = sampleEvents();
    const parsed = parseEvent<{ total: number }>(JSON.stringify(nested));
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.data)).toBe(true);
    expect(Object.isFrozen(parsed.metadata)).toBe(true);
    expect(Object.isFrozen(parsed.metadata.tenant)).toBe(true);
  });

  it('rejects text that is not JSON', () => {
    const error = validationError(() => parseEvent('{"id": '));
    expect(error.issues[0].message).toMatch(/not JSON/);
  });

  it.each([['null'], ['[]'], ['"text"'], ['42']])('rejects %s: not a JSON object', (text) => {
    expect(validationError(() => parseEvent(text)).issues).toEqual([
      { path: '', message: 'an event must be a JSON object' },
    ]);
  });

  it('lists every missing field at once', () => {
    const error = validationError(() => parseEvent('{}'));
    const paths = error.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'correlationId',
        'data',
        'id',
        'metadata',
        'severity',
        'source',
        'timestamp',
        'type',
        'version',
      ].sort(),
    );
    expect(error.message).toContain('correlationId');
    expect(error.name).toBe('EventValidationError');
  });

  it('names each malformed field and an unknown extra field', () => {
    const [event] = sampleEvents();
    const broken = {
      ...event,
      id: 'not-a-uuid',
      type: 'Order Placed',
      version: 0,
      timestamp: '2026-01-31T12:00:00+01:00',
      severity: 'fatal',
      causationId: '',
      metadata: [],
      extra: true,
    };
    const error = validationError(() => parseEvent(JSON.stringify(broken)));
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['causationId', 'extra', 'id', 'metadata', 'severity', 'timestamp', 'type', 'version'].sort(),
    );
  });

  it.each([
    ['2026-02-30T12:00:00.000Z'],
    ['2026-01-31T24:00:00.000Z'],
    ['2026-01-31T12:00:00Z'],
    ['2026-01-31'],
  ])('rejects the timestamp %s: not a real UTC instant with milliseconds', (timestamp) => {
    const [event] = sampleEvents();
    const error = validationError(() => parseEvent({ ...event, timestamp }));
    expect(error.issues.map((i) => i.path)).toEqual(['timestamp']);
  });

  it('rejects non-JSON values inside data when given an object', () => {
    const [event] = sampleEvents();
    const error = validationError(() => parseEvent({ ...event, data: { at: new Date(0), n: NaN } }));
    expect(error.issues.map((i) => i.path)).toEqual(['data.at', 'data.n']);
  });

  it('never lets __proto__ in the data reach Object.prototype', () => {
    const [event] = sampleEvents();
    const text = JSON.stringify(event).replace('"data":{', '"data":{"__proto__":{"polluted":"yes"},');
    const parsed = parseEvent<Record<string, unknown>>(text);
    expect(Object.getPrototypeOf(parsed.data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed.data, '__proto__')?.value).toStrictEqual({
      polluted: 'yes',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
