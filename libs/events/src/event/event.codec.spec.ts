import { EventBusService } from '../bus/event-bus.service';
import { EventValidationError } from '../errors/event-validation.error';
import type { BusEvent } from './bus-event.interface';
import { decodeEvent, encodeEvent, EVENT_HEADERS } from './event.codec';
import { parseEvent } from './event.parser';
import { MAX_JSON_DEPTH, TOO_DEEP } from './json/json-nesting';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function newBus(): EventBusService {
  return new EventBusService({ source: 'orders-api', history: false });
}

/** An event with every field set: emitted by a handler (causation id) with an actor and metadata. */
function fullEvent(data: unknown = { id: 'o1' }): BusEvent {
  const bus = newBus();
  let inner: BusEvent | undefined;
  bus.on('order.placed', () => {
    inner = bus.emit('invoice.created', data, {
      actorId: 'user-1',
      severity: 'warning',
      metadata: { tenant: { id: 7 } },
    });
  });
  bus.emit('order.placed', {}, { correlationId: 'req-42' });
  return inner!;
}

/** `levels` objects, each inside the one before. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

function thrown(run: () => unknown): EventValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return error as EventValidationError;
  }
  throw new Error('expected an EventValidationError');
}

function expectDeepFrozen(value: unknown, path = 'event'): void {
  if (typeof value !== 'object' || value === null) return;
  if (!Object.isFrozen(value)) throw new Error(`${path} is not frozen`);
  for (const [key, item] of Object.entries(value)) expectDeepFrozen(item, `${path}.${key}`);
}

/** Encodes, decodes, and checks that nothing changed on the way. */
function roundTrip(event: BusEvent): BusEvent {
  const { headers, body } = encodeEvent(event);
  expect(body).toBe(JSON.stringify(event));
  const decoded = decodeEvent(headers, body);
  expect(decoded).toStrictEqual(event);
  expect(JSON.stringify(decoded)).toBe(body);
  return decoded;
}

describe('encodeEvent / decodeEvent: exact round trip', () => {
  it.each([
    ['a minimal event', newBus().emit('system.tick')],
    ['every field set', fullEvent()],
    ['unicode', fullEvent({ fr: 'déjà vu', ja: '日本語', ar: 'مرحبا', zw: 'a\u200db', ls: '\u2028\u2029' })],
    ['astral characters', fullEvent({ emoji: '😀👩‍👩‍👧', music: '𝄞', key: { '𝒳': 1 } })],
    [
      'lone surrogates in the payload',
      fullEvent({ high: '\ud800', low: 'x\udfffy', reversed: '\ude00\ud83d' }),
    ],
    ['control characters in the payload', fullEvent({ text: 'line\nbreak\ttab\u0000nul\u007f' })],
    [`${MAX_JSON_DEPTH} levels of nesting`, fullEvent(nested(MAX_JSON_DEPTH))],
    [
      'a 256 KiB payload',
      fullEvent({ blob: 'x'.repeat(256 * 1024), rows: Array.from({ length: 500 }, (_, i) => ({ i })) }),
    ],
    [
      '-0 (the bus stores 0)',
      fullEvent({ zero: -0, list: [-0, 0.1, 1e21, 5e-324, -1.7976931348623157e308] }),
    ],
    [
      'key order',
      fullEvent({
        zebra: 1,
        apple: { z: 1, a: 2, m: [3, { y: 1, b: 2 }] },
        mango: null,
        '10': 'int-like',
        '2': 'first',
      }),
    ],
    [
      'control characters the envelope allows (tab, U+0001, U+001E/F)',
      newBus().emit('x.y', {}, { actorId: 'tab\tand\u0001', source: 'src\x1erecord\x1ffield' }),
    ],
    ['a null payload with empty metadata', newBus().emit('x.y', null)],
    ['a string payload', newBus().emit('x.y', 'just text')],
    ['an array payload', newBus().emit('x.y', [1, 'two', { three: [3] }, null, true])],
  ])('%s', (_name, event) => {
    roundTrip(event);
  });

  it('keeps -0 out: a body written elsewhere with -0 decodes to 0, as the bus stores it', () => {
    const event = newBus().emit('x.y', { n: 1 });
    const { headers, body } = encodeEvent(event);
    const decoded = decodeEvent<{ n: number }>(headers, body.replace('"n":1', '"n":-0'));
    expect(Object.is(decoded.data.n, 0)).toBe(true);
  });

  it('writes the fields of an event made in another order (a middleware copy) in the bus order', () => {
    const event = fullEvent();
    const shuffled = Object.fromEntries(Object.entries(event).reverse()) as unknown as BusEvent;
    expect(encodeEvent(shuffled).body).toBe(JSON.stringify(event));
  });

  it('puts the fields of a body written in another order back in the bus order', () => {
    const event = fullEvent();
    const { headers } = encodeEvent(event);
    const shuffled = Object.fromEntries(Object.entries(event).reverse());
    const decoded = decodeEvent(headers, JSON.stringify(shuffled));
    expect(JSON.stringify(decoded)).toBe(JSON.stringify(event));
  });

  it('returns a deep-frozen event, also from an encoded frozen one', () => {
    const event = fullEvent({ lines: [{ sku: 'a', tags: ['x'] }], customer: { address: { city: 'Paris' } } });
    expectDeepFrozen(event);
    const decoded = roundTrip(event);
    expectDeepFrozen(decoded);
    expect(Object.isFrozen((decoded.data as { lines: object[] }).lines[0])).toBe(true);
    expect(Object.isFrozen(decoded.metadata.tenant)).toBe(true);
  });
});

describe('encodeEvent headers', () => {
  it('carry what a transport routes by, as strings, beside the body', () => {
    const event = fullEvent();
    expect(encodeEvent(event).headers).toEqual({
      'content-type': 'application/json',
      'event-id': event.id,
      'event-type': 'invoice.created',
      'event-version': '1',
      'correlation-id': 'req-42',
      'event-source': 'orders-api',
    });
  });

  it('come in a fixed order, routing headers first', () => {
    const { headers } = encodeEvent(fullEvent(), { traceparent: TRACEPARENT, tracestate: 'v=1' });
    expect(Object.keys(headers)).toEqual([
      'event-id',
      'event-type',
      'event-version',
      'correlation-id',
      'event-source',
      'content-type',
      'traceparent',
      'tracestate',
    ]);
  });

  it('add the trace context when given', () => {
    const { headers } = encodeEvent(fullEvent(), {
      traceparent: TRACEPARENT,
      tracestate: 'vendor=a,other=b',
    });
    expect(headers[EVENT_HEADERS.traceparent]).toBe(TRACEPARENT);
    expect(headers[EVENT_HEADERS.tracestate]).toBe('vendor=a,other=b');
    expect(encodeEvent(fullEvent(), {}).headers).not.toHaveProperty('traceparent');
  });

  it.each([
    ['traceparent', `${TRACEPARENT}\r\nx-injected: 1`],
    ['tracestate', 'vendor=é'],
    ['tracestate', 'v=' + 'a'.repeat(8191)],
  ])('refuse a %s that is not short printable ASCII', (name, value) => {
    const error = thrown(() => encodeEvent(fullEvent(), { [name]: value }));
    expect(error.issues).toEqual([
      { path: name, message: 'must be printable ASCII of at most 8192 characters' },
    ]);
  });
});

describe('encodeEvent refuses an event the bus would not build', () => {
  it.each([
    ['correlationId', 'req\r\nSet-Cookie: a=b'],
    ['source', ''],
    ['actorId', '\ud800'],
    ['type', 'Not A Type'],
    ['version', 0],
    ['timestamp', 'yesterday'],
    ['severity', 'fatal'],
    ['id', 'not-a-uuid'],
    ['metadata', null],
  ])('naming %s', (field, value) => {
    const error = thrown(() => encodeEvent({ ...fullEvent(), [field]: value } as BusEvent));
    expect(error.issues.map((i) => i.path)).toEqual([field]);
  });

  it('naming an unknown field', () => {
    const error = thrown(() => encodeEvent({ ...fullEvent(), extra: true } as BusEvent));
    expect(error.issues).toEqual([{ path: 'extra', message: 'is not a BusEvent field' }]);
  });

  it('naming data that JSON cannot write', () => {
    const error = thrown(() => encodeEvent({ ...fullEvent(), data: { n: 1n } }));
    expect(error.issues.map((i) => i.path)).toEqual(['data']);
  });
});

describe('decodeEvent refuses', () => {
  const event = fullEvent();
  const { headers } = encodeEvent(event);

  it.each([
    ['id', ['', 'NOT-A-UUID', 7, null]],
    ['type', ['', 'Order Placed', 'a..b', 3]],
    ['version', [0, -1, 1.5, '1', null]],
    ['timestamp', ['2026-02-30T12:00:00.000Z', '2026-01-31T12:00:00Z', 0]],
    ['correlationId', ['', 'x'.repeat(201), 'a\nb', '\ud800', 42, null]],
    ['causationId', ['', 'x'.repeat(201), 'cr\r', null]],
    ['source', ['', 'x'.repeat(201), 'nul\u0000', '\udc00', false]],
    ['actorId', ['', 'lf\n', {}, null]],
    ['severity', ['fatal', 'INFO', '', 1]],
    ['metadata', [null, [], 'x', 1]],
  ])('every bad %s, with a message naming it', (field, values) => {
    for (const value of values as unknown[]) {
      const body = JSON.stringify({ ...event, [field]: value });
      const error = thrown(() => decodeEvent({}, body));
      expect(error.issues.map((i) => i.path)).toEqual([field]);
      expect(error.message).toContain(`${field}: `);
    }
  });

  it.each(['id', 'type', 'version', 'data', 'timestamp', 'correlationId', 'source', 'severity', 'metadata'])(
    'a body without %s',
    (field) => {
      const body = JSON.stringify({ ...event, [field]: undefined });
      expect(thrown(() => decodeEvent({}, body)).issues).toEqual([{ path: field, message: 'is missing' }]);
    },
  );

  it('a payload nested too deep, naming where', () => {
    const body = JSON.stringify({ ...event, data: nested(MAX_JSON_DEPTH + 1) });
    const [issue] = thrown(() => decodeEvent({}, body)).issues;
    expect(issue.path).toBe(['data', ...new Array<string>(MAX_JSON_DEPTH).fill('a')].join('.'));
    expect(issue.message).toBe(TOO_DEEP);
  });

  it('text that is not JSON, JSON that is not an object, and a body that is not text', () => {
    expect(thrown(() => decodeEvent(headers, '{"id": ')).issues[0].message).toMatch(/^not JSON: /);
    for (const body of ['null', '[]', '"text"', '42']) {
      expect(thrown(() => decodeEvent(headers, body)).issues).toEqual([
        { path: '', message: 'an event must be a JSON object' },
      ]);
    }
    const buffer = Buffer.from(JSON.stringify(event)) as unknown as string;
    expect(thrown(() => decodeEvent(headers, buffer)).issues[0].message).toBe('the body must be JSON text');
  });

  it('to repeat an invalid type in its message', () => {
    const body = JSON.stringify({ ...event, type: 'Bad\nType' });
    const error = thrown(() => decodeEvent({}, body));
    expect(error.eventType).toBeUndefined();
    expect(error.message).not.toContain('Bad\nType');
  });
});

describe('decodeEvent compares the headers with the body', () => {
  const event = fullEvent();
  const { headers, body } = encodeEvent(event, { traceparent: TRACEPARENT });

  it.each([
    ['event-id', fullEvent().id],
    ['event-type', 'order.placed'],
    ['event-version', '2'],
    ['correlation-id', 'someone-else'],
    ['event-source', 'billing-api'],
  ])('refusing a %s that disagrees', (name, value) => {
    const error = thrown(() => decodeEvent({ ...headers, [name]: value }, body));
    expect(error.issues.map((i) => i.path)).toEqual([`headers.${name}`]);
    expect(error.message).toContain('does not match the body');
  });

  it('refusing a body that is not JSON by its content type', () => {
    const error = thrown(() => decodeEvent({ ...headers, 'content-type': 'text/plain' }, body));
    expect(error.issues).toEqual([{ path: 'headers.content-type', message: 'must be application/json' }]);
  });

  it('accepting a charset parameter, absent headers, and headers it does not know', () => {
    expect(
      decodeEvent({ ...headers, 'content-type': 'Application/JSON; charset=utf-8' }, body),
    ).toStrictEqual(event);
    expect(decodeEvent({}, body)).toStrictEqual(event);
    expect(decodeEvent({ ...headers, 'x-attempt': '3', 'event-id': undefined }, body)).toStrictEqual(event);
  });
});

describe('prototype pollution', () => {
  const hostile = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"ok":1}';

  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('keeps __proto__ and constructor keys in data and metadata as plain own data, round trip included', () => {
    const event = fullEvent();
    const { headers, body } = encodeEvent(event);
    const text = body
      .replace('"data":{', `"data":{"nested":${hostile},`)
      .replace('"metadata":{', `"metadata":{"m":${hostile},`)
      .replace('"data":{', `"data":${hostile.slice(0, -1)},`);
    const decoded = decodeEvent(headers, text);
    for (const holder of [
      decoded.data,
      (decoded.data as Record<string, unknown>).nested,
      decoded.metadata.m,
    ]) {
      expect(Object.getPrototypeOf(holder)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(holder, '__proto__')?.value).toStrictEqual({ polluted: 'yes' });
      expect((holder as Record<string, unknown>).polluted).toBeUndefined();
    }
    const again = encodeEvent(decoded);
    expect(again.body).toBe(JSON.stringify(decoded));
    // Not toStrictEqual: it compares `.constructor`, which here is each copy's own data.
    const decodedAgain = decodeEvent(again.headers, again.body);
    expect(decodedAgain).toEqual(decoded);
    expect(JSON.stringify(decodedAgain)).toBe(again.body);
  });

  it('refuses __proto__ and constructor as envelope fields', () => {
    const { headers, body } = encodeEvent(fullEvent());
    const text = body.replace('{', `{"__proto__":{"actorId":"x"},"constructor":{"name":"x"},`);
    const error = thrown(() => decodeEvent(headers, text));
    expect(error.issues).toEqual([
      { path: '__proto__', message: 'is not a BusEvent field' },
      { path: 'constructor', message: 'is not a BusEvent field' },
    ]);
  });

  it('ignores fields inherited from a polluted Object.prototype', () => {
    const { headers, body } = encodeEvent(newBus().emit('x.y'));
    Object.defineProperty(Object.prototype, 'actorId', { value: 'ghost', configurable: true });
    try {
      expect(Object.hasOwn(decodeEvent(headers, body), 'actorId')).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>).actorId;
    }
  });
});

describe('parseEvent uses the same rules', () => {
  it('gives the same event, and the same issues, as decodeEvent without headers', () => {
    const event = fullEvent();
    const body = encodeEvent(event).body;
    expect(parseEvent(body)).toStrictEqual(decodeEvent({}, body));
    const bad = JSON.stringify({ ...event, actorId: 'a\nb', version: 0, extra: 1 });
    expect(thrown(() => parseEvent(bad)).issues).toEqual(thrown(() => decodeEvent({}, bad)).issues);
  });
});
