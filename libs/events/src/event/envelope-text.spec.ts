import { EnvelopeTextError } from '../errors/envelope-text.error';
import { EventValidationError } from '../errors/event-validation.error';
import {
  checkContextText,
  envelopeTextProblem,
  metadataKeysProblem,
  REPLACEMENT_CHARACTER,
  sanitizeCorrelationId,
  sanitizeEnvelopeText,
} from './envelope-text';
import { decodeEvent, encodeEvent } from './event.codec';
import type { BusEvent } from './bus-event.interface';

const UNWRITABLE: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['CR', 'a\rb'],
  ['LF', 'a\nb'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', 'a\udc00b'],
  ['a high surrogate at the end', 'ab\ud83d'],
];

describe('envelope string rules', () => {
  it.each(UNWRITABLE)('refuses %s', (_name, value) => {
    expect(envelopeTextProblem(value)).toMatch(/must not contain/);
  });

  it.each(['', 'a'.repeat(201), 42, null])('refuses %j by length or type', (value) => {
    expect(envelopeTextProblem(value)).toMatch(/non-empty string of at most 200/);
  });

  it.each(['user-1', 'a'.repeat(200), 'tab\there', 'emoji \ud83d\ude00', 'ünïcödé', '\u0001\u001e'])(
    'accepts %j',
    (value) => expect(envelopeTextProblem(value)).toBeUndefined(),
  );

  it('sanitises what a store cannot write with U+FFFD, and over-long text with an ellipsis', () => {
    for (const [, value] of UNWRITABLE) {
      const clean = sanitizeEnvelopeText(value);
      expect(envelopeTextProblem(clean)).toBeUndefined();
      expect(clean).toContain(REPLACEMENT_CHARACTER);
    }
    expect(sanitizeEnvelopeText('')).toBe(REPLACEMENT_CHARACTER);
    const long = sanitizeEnvelopeText('x'.repeat(300));
    expect(long).toHaveLength(200);
    expect(long.endsWith('\u2026')).toBe(true);
    // A cut never leaves half a surrogate pair behind.
    const pairs = sanitizeEnvelopeText('\ud83d\ude00'.repeat(150));
    expect(envelopeTextProblem(pairs)).toBeUndefined();
    const fine = 'user-1';
    expect(sanitizeEnvelopeText(fine)).toBe(fine);
  });

  it('keeps the stricter rule for ids from outside in the same module', () => {
    expect(sanitizeCorrelationId('req-1.a:b_c')).toBe('req-1.a:b_c');
    expect(sanitizeCorrelationId('a b')).toBeUndefined();
    expect(sanitizeCorrelationId('x'.repeat(129))).toBeUndefined();
  });

  it('throws EnvelopeTextError for a context value, naming the method and field but not the value', () => {
    const attempt = () => checkContextText('EventContext.setActor()', 'actorId', 'secret\u0000');
    expect(attempt).toThrow(EnvelopeTextError);
    expect(attempt).toThrow(/^EventContext\.setActor\(\): actorId must not contain NUL, CR or LF\./);
    try {
      attempt();
    } catch (error) {
      expect((error as EnvelopeTextError).field).toBe('actorId');
      expect((error as Error).message).not.toContain('secret');
    }
    expect(() => checkContextText('EventContext.run()', 'correlationId', 'ok-1')).not.toThrow();
  });

  it('checks the top-level keys of metadata by the same rule', () => {
    expect(metadataKeysProblem({ tenant: 1, 'x-trace': 2 })).toBeUndefined();
    expect(metadataKeysProblem({ ok: 1, 'bad\u0000key': 2 })).toBe(
      'key number 2 must not contain NUL, CR or LF',
    );
    expect(metadataKeysProblem({ '': 1 })).toMatch(/key number 1 must be a non-empty string/);
  });
});

describe('the codec applies the envelope rules', () => {
  const event: BusEvent = Object.freeze({
    id: '0190b4f2-8e1c-7a3b-8c4d-1234567890ab',
    type: 'user.created',
    version: 1,
    data: {},
    timestamp: '2026-01-31T12:00:00.000Z',
    correlationId: 'req-1',
    source: 'app',
    severity: 'info',
    metadata: {},
  });

  it.each([
    ['actorId', 'alice\ud800'],
    ['actorId', 'alice\u0000'],
    ['causationId', 'x'.repeat(201)],
    ['source', 'a\nb'],
  ])('refuses a body whose %s a store could not write', (field, value) => {
    const body = JSON.stringify({ ...event, [field]: value });
    expect(() => decodeEvent({}, body)).toThrow(EventValidationError);
  });

  it('refuses metadata keys that break the rule, and takes the rest', () => {
    const bad = JSON.stringify({ ...event, metadata: { 'k\u0000': 1 } });
    expect(() => decodeEvent({}, bad)).toThrow(/metadata: key number 1 must not contain/);
    const { headers, body } = encodeEvent({ ...event, metadata: { tenant: 't1' } });
    expect(decodeEvent(headers, body).metadata).toEqual({ tenant: 't1' });
  });
});
