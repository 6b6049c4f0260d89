import { EventBusService } from '../bus/event-bus.service';
import { sanitizeCorrelationId } from '../correlation/correlation-id';
import { EventValidationError } from '../errors/event-validation.error';
import type { BusEvent } from './bus-event.interface';
import {
  checkEnvelopeOptions,
  ENVELOPE_FIELDS,
  envelopeColumns,
  envelopeFieldProblem,
  envelopeIssues,
  envelopeTextProblem,
  eventIdProblem,
  isOptionalEnvelopeField,
  MAX_ENVELOPE_TEXT_LENGTH,
  metadataProblem,
  pickEnvelope,
  severityProblem,
  timestampProblem,
  versionProblem,
} from './event-envelope';

const TEXT_LENGTH = 'must be a non-empty string of at most 200 characters';
const BREAKING = 'must not contain NUL, CR or LF';
const LONE = 'must not contain a lone UTF-16 surrogate';

/** An event with every field set: emitted by a handler (causation) with an actor. */
function fullEvent(): BusEvent {
  const bus = new EventBusService({ source: 'orders-api' });
  let inner: BusEvent | undefined;
  bus.on('order.placed', () => {
    inner = bus.emit('invoice.created', { total: 3 }, { actorId: 'user-1', metadata: { tenant: 't1' } });
  });
  bus.emit('order.placed', { id: 'o1' });
  return inner!;
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

describe('the envelope field list', () => {
  it('is the key order of the events the bus builds', () => {
    expect(Object.keys(fullEvent())).toEqual(ENVELOPE_FIELDS);
    expect(ENVELOPE_FIELDS).toEqual([
      'id',
      'type',
      'version',
      'data',
      'timestamp',
      'correlationId',
      'source',
      'severity',
      'metadata',
      'causationId',
      'actorId',
    ]);
    expect(Object.isFrozen(ENVELOPE_FIELDS)).toBe(true);
  });

  it('marks causationId and actorId optional, and only them', () => {
    expect(ENVELOPE_FIELDS.filter(isOptionalEnvelopeField)).toEqual(['causationId', 'actorId']);
  });
});

describe('envelopeTextProblem', () => {
  it.each([
    ['a'],
    ['x'.repeat(MAX_ENVELOPE_TEXT_LENGTH)],
    ['0190a5c2-7c1e-7000-8000-000000000000'],
    ['my service "a"'],
    ['José Müller'],
    ['\ud83d\ude00 emoji (a surrogate pair)'],
    ['\u2028 line and paragraph separators \u2029'],
    ['tab\tand\u0001'],
    ['src\x1erecord\x1ffield'],
    ['del\u007f and next line \u0085 (C1)'],
  ])('accepts %j', (value) => {
    expect(envelopeTextProblem(value)).toBeUndefined();
  });

  it.each([
    ['', TEXT_LENGTH],
    ['x'.repeat(MAX_ENVELOPE_TEXT_LENGTH + 1), TEXT_LENGTH],
    [42, TEXT_LENGTH],
    [null, TEXT_LENGTH],
    ['line\nbreak', BREAKING],
    ['cr\r', BREAKING],
    ['\r\nSet-Cookie: a=b', BREAKING],
    ['nul\u0000', BREAKING],
    ['\ud800', LONE],
    ['a\udc00b', LONE],
    ['\ude00\ud83d (pair reversed)', LONE],
  ])('refuses %j', (value, message) => {
    expect(envelopeTextProblem(value)).toBe(message);
  });

  it('accepts every id the stricter client-header rule accepts', () => {
    for (const id of ['req-1', 'a.b:c_d-e', 'x'.repeat(128)]) {
      expect(sanitizeCorrelationId(id)).toBe(id);
      expect(envelopeTextProblem(id)).toBeUndefined();
    }
  });
});

describe('field checks', () => {
  it('eventIdProblem wants a lowercase UUID', () => {
    expect(eventIdProblem(fullEvent().id)).toBeUndefined();
    for (const bad of ['0190A5C2-7C1E-7000-8000-000000000000', '0190a5c27c1e70008000000000000000', 'x', 7]) {
      expect(eventIdProblem(bad)).toBe('must be a lowercase UUID');
    }
  });

  it('versionProblem wants a positive safe integer', () => {
    for (const ok of [1, 2, 1000]) expect(versionProblem(ok)).toBeUndefined();
    for (const bad of [0, -1, 1.5, '1', NaN, Infinity, 2 ** 53]) {
      expect(versionProblem(bad)).toBe('must be a positive integer');
    }
  });

  it('timestampProblem wants a real UTC instant with milliseconds', () => {
    expect(timestampProblem('2026-01-31T12:00:00.000Z')).toBeUndefined();
    for (const bad of [
      '2026-02-30T12:00:00.000Z',
      '2026-01-31T12:00:00Z',
      '2026-01-31T12:00:00.000+01:00',
      '2026-01-31',
      0,
    ]) {
      expect(timestampProblem(bad)).toMatch(/^must be an ISO-8601 UTC time/);
    }
  });

  it('timestampProblem agrees with a Date round trip on calendar edges', () => {
    const viaDate = (text: string) => {
      const ms = Date.parse(text);
      return !Number.isNaN(ms) && new Date(ms).toISOString() === text;
    };
    const days = [
      '01-01',
      '01-31',
      '02-28',
      '02-29',
      '02-30',
      '04-30',
      '04-31',
      '12-31',
      '13-01',
      '00-10',
      '05-00',
    ];
    const times = ['00:00:00.000', '23:59:59.999', '24:00:00.000', '23:60:00.000', '23:59:60.000'];
    for (const year of ['0000', '1900', '1970', '2000', '2024', '2026', '2100', '9999']) {
      for (const day of days) {
        for (const time of times) {
          const text = `${year}-${day}T${time}Z`;
          expect([text, timestampProblem(text) === undefined]).toEqual([text, viaDate(text)]);
        }
      }
    }
  });

  it('severityProblem lists the severities', () => {
    expect(severityProblem('warning')).toBeUndefined();
    expect(severityProblem('fatal')).toBe('must be one of debug, info, warning, error, critical');
  });

  it('metadataProblem wants an object', () => {
    expect(metadataProblem({})).toBeUndefined();
    for (const bad of [null, [], 'x', 1]) expect(metadataProblem(bad)).toBe('must be an object');
  });

  it('envelopeFieldProblem: undefined is fine for an optional field, missing for a required one', () => {
    expect(envelopeFieldProblem('actorId', undefined)).toBeUndefined();
    expect(envelopeFieldProblem('source', undefined)).toBe('is missing');
    expect(envelopeFieldProblem('data', undefined)).toBe('is missing');
    expect(envelopeFieldProblem('data', null)).toBeUndefined();
    expect(envelopeFieldProblem('causationId', '')).toBe(TEXT_LENGTH);
  });
});

describe('envelopeIssues', () => {
  it('finds nothing wrong with an event the bus built', () => {
    expect(envelopeIssues(fullEvent())).toEqual([]);
  });

  it('names every missing field and every unknown key', () => {
    const issues = envelopeIssues({ extra: 1 });
    expect(issues.filter((i) => i.message === 'is missing').map((i) => i.path)).toEqual([
      'id',
      'type',
      'version',
      'data',
      'timestamp',
      'correlationId',
      'source',
      'severity',
      'metadata',
    ]);
    expect(issues.filter((i) => i.message !== 'is missing')).toEqual([
      { path: 'extra', message: 'is not a BusEvent field' },
    ]);
  });

  it('reads own properties only: an inherited field does not count', () => {
    const inherited = Object.create(fullEvent()) as object;
    expect(envelopeIssues(inherited).map((i) => i.path)).toContain('id');
    const { actorId: _actor, ...own } = fullEvent();
    const withInheritedActor = Object.assign(Object.create({ actorId: 'line\nbreak' }) as object, own);
    expect(envelopeIssues(withInheritedActor)).toEqual([]);
  });
});

describe('checkEnvelopeOptions (the emit options check)', () => {
  const base = fullEvent();

  it('passes an event the bus built', () => {
    expect(() => checkEnvelopeOptions(base.type, base)).not.toThrow();
  });

  it.each([
    ['correlationId', '', TEXT_LENGTH],
    ['causationId', 'x'.repeat(201), TEXT_LENGTH],
    ['actorId', 'user\r\nSet-Cookie: x', BREAKING],
    ['source', '\ud800', LONE],
    ['severity', 'fatal', 'must be one of debug, info, warning, error, critical'],
  ])('names %s', (field, value, message) => {
    const error = thrown(() => checkEnvelopeOptions(base.type, { ...base, [field]: value }));
    expect(error.issues).toEqual([{ path: field, message }]);
    expect(error.eventType).toBe(base.type);
  });

  it('names the first bad option, in emit-options order', () => {
    const error = thrown(() =>
      checkEnvelopeOptions(base.type, { ...base, source: '', actorId: '', severity: 'x' as never }),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['actorId']);
  });
});

describe('views of an event', () => {
  it('pickEnvelope keeps the order asked for and leaves unset optional fields out', () => {
    const event = fullEvent();
    const { causationId: _cause, ...withoutCause } = event;
    const picked = pickEnvelope(withoutCause, ['type', 'id', 'causationId', 'actorId']);
    expect(Object.entries(picked)).toEqual([
      ['type', event.type],
      ['id', event.id],
      ['actorId', 'user-1'],
    ]);
  });

  it('envelopeColumns writes an unset optional field as null', () => {
    const { actorId: _actor, ...event } = fullEvent();
    expect(envelopeColumns(event, ['source', 'actorId', 'causationId'])).toEqual({
      source: 'orders-api',
      actorId: null,
      causationId: event.causationId,
    });
  });
});
