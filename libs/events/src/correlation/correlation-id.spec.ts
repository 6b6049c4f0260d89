import { correlationIdFromHeaders, sanitizeCorrelationId, traceIdFromTraceparent } from './correlation-id';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const VALID_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

describe('sanitizeCorrelationId', () => {
  it.each([
    ['a UUID', '0190f0a2-7c3e-7b1a-8d2e-3f4a5b6c7d8e'],
    ['letters, digits and ._:-', 'order-42.retry_1:a'],
    ['a single character', 'x'],
    ['exactly 128 characters', 'a'.repeat(128)],
  ])('accepts %s', (_label, value) => {
    expect(sanitizeCorrelationId(value)).toBe(value);
  });

  it.each([
    ['an empty string', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a CR/LF (header injection)', 'abc\r\nSet-Cookie: x=1'],
    ['a lone LF', 'abc\ndef'],
    ['a NUL', 'abc\u0000'],
    ['a tab', 'abc\tdef'],
    ['a space', 'abc def'],
    ['a comma (a repeated header joined by Node)', 'a, b'],
    ['non-ASCII letters', 'caf\u00e9'],
    ['an emoji', 'id-\u{1F600}'],
    ['a right-to-left override', 'abc\u202edef'],
    ['HTML', '<script>alert(1)</script>'],
    ['a path traversal', '../../etc/passwd'],
    ['a log-forging JSON fragment', '","level":"error'],
  ])('rejects %s', (_label, value) => {
    expect(sanitizeCorrelationId(value)).toBeUndefined();
  });

  it.each([[undefined], [null], [42], [['abc']], [{ id: 'abc' }]])('rejects the non-string %p', (value) => {
    expect(sanitizeCorrelationId(value)).toBeUndefined();
  });
});

describe('traceIdFromTraceparent', () => {
  it('returns the trace id of a version 00 header', () => {
    expect(traceIdFromTraceparent(VALID_TRACEPARENT)).toBe(TRACE_ID);
  });

  it('accepts a later version with more fields after the flags', () => {
    expect(traceIdFromTraceparent(`cc-${TRACE_ID}-00f067aa0ba902b7-01-what-the-future-holds`)).toBe(TRACE_ID);
  });

  it.each([
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-00f067aa0ba902b7-01`],
    ['a long trace id', `00-${TRACE_ID}0-00f067aa0ba902b7-01`],
    ['a non-hex trace id', `00-${TRACE_ID.slice(0, 31)}g-00f067aa0ba902b7-01`],
    ['a short parent id', `00-${TRACE_ID}-00f067aa0ba902b-01`],
    ['non-hex flags', `00-${TRACE_ID}-00f067aa0ba902b7-0x`],
    ['the forbidden version ff', `ff-${TRACE_ID}-00f067aa0ba902b7-01`],
    ['a non-hex version', `0g-${TRACE_ID}-00f067aa0ba902b7-01`],
    ['version 00 with trailing data', `${VALID_TRACEPARENT}-extra`],
    ['a later version with trailing data not after a dash', `01-${TRACE_ID}-00f067aa0ba902b7-01x`],
    ['wrong separators', `00_${TRACE_ID}_00f067aa0ba902b7_01`],
    ['a CR/LF after the header', `${VALID_TRACEPARENT}\r\n`],
    ['leading whitespace', ` ${VALID_TRACEPARENT}`],
    ['an empty string', ''],
    ['a huge value', `01-${TRACE_ID}-00f067aa0ba902b7-01-${'a'.repeat(10_000)}`],
  ])('rejects %s', (_label, value) => {
    expect(traceIdFromTraceparent(value)).toBeUndefined();
  });

  it('rejects non-strings', () => {
    expect(traceIdFromTraceparent(undefined)).toBeUndefined();
    expect(traceIdFromTraceparent([VALID_TRACEPARENT])).toBeUndefined();
  });
});

describe('correlationIdFromHeaders', () => {
  const order = ['x-correlation-id', 'x-request-id', 'traceparent'];
  const from = (headers: Record<string, unknown>) => correlationIdFromHeaders((name) => headers[name], order);

  it('takes the first header that holds a valid id, in the configured order', () => {
    expect(from({ 'x-correlation-id': 'c-1', 'x-request-id': 'r-1', traceparent: VALID_TRACEPARENT })).toBe(
      'c-1',
    );
    expect(from({ 'x-request-id': 'r-1', traceparent: VALID_TRACEPARENT })).toBe('r-1');
    expect(from({ traceparent: VALID_TRACEPARENT })).toBe(TRACE_ID);
  });

  it('skips invalid values and falls through to the next header', () => {
    expect(from({ 'x-correlation-id': 'bad\r\nvalue', 'x-request-id': 'r-1' })).toBe('r-1');
    expect(from({ 'x-correlation-id': '', traceparent: VALID_TRACEPARENT })).toBe(TRACE_ID);
  });

  it('gives undefined when no header holds a valid id', () => {
    expect(from({})).toBeUndefined();
    expect(from({ 'x-correlation-id': 'a'.repeat(200), traceparent: 'nonsense' })).toBeUndefined();
  });

  it('never reads a traceparent value as a plain id', () => {
    expect(correlationIdFromHeaders(() => VALID_TRACEPARENT, ['traceparent'])).toBe(TRACE_ID);
    expect(correlationIdFromHeaders(() => 'plain-id', ['traceparent'])).toBeUndefined();
  });
});
