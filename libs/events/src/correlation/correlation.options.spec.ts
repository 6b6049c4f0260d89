import { EventsConfigError } from '../errors/events-config.error';
import { resolveEventsOptions } from '../module/resolve-options';
import { DEFAULT_CORRELATION_HEADERS, resolveCorrelationOptions } from './correlation.options';

describe('resolveCorrelationOptions', () => {
  it('is on by default with the standard headers', () => {
    expect(resolveCorrelationOptions(undefined)).toEqual({
      headers: DEFAULT_CORRELATION_HEADERS,
      responseHeader: 'x-correlation-id',
      httpEvents: true,
      httpStarted: false,
      generateId: undefined,
      trustClientIds: true,
    });
  });

  it.each([
    ['true', true, { httpEvents: true, httpStarted: false }],
    ['false', false, { httpEvents: false, httpStarted: false }],
    ['{}', {}, { httpEvents: true, httpStarted: false }],
    ['{ started: false }', { started: false }, { httpEvents: true, httpStarted: false }],
    ['{ started: true }', { started: true }, { httpEvents: true, httpStarted: true }],
  ])('reads httpEvents: %s', (_label, httpEvents, expected) => {
    expect(resolveCorrelationOptions({ httpEvents })).toMatchObject(expected);
  });

  it('is off with false', () => {
    expect(resolveCorrelationOptions(false)).toBe(false);
    expect(resolveEventsOptions({ correlation: false }).correlation).toBe(false);
  });

  it('lowercases and de-duplicates header names', () => {
    const resolved = resolveCorrelationOptions({
      headers: ['X-Trace', 'x-trace', 'TraceParent'],
      responseHeader: 'X-Id',
    });
    expect(resolved).toMatchObject({ headers: ['x-trace', 'traceparent'], responseHeader: 'x-id' });
  });

  it('keeps a custom generator and a disabled response header', () => {
    const generateId = () => 'fixed';
    expect(resolveCorrelationOptions({ generateId, responseHeader: false, httpEvents: false })).toMatchObject(
      {
        generateId,
        responseHeader: false,
        httpEvents: false,
      },
    );
  });

  it.each([
    ['a string', 'yes', 'correlation'],
    ['true', true, 'correlation'],
    ['an unknown key', { header: ['x-id'] }, 'correlation.header'],
    ['headers that are not an array', { headers: 'x-id' }, 'correlation.headers'],
    ['a header name with a space', { headers: ['x id'] }, 'correlation.headers'],
    ['a header name with CR/LF', { headers: ['x-id\r\n'] }, 'correlation.headers'],
    ['an empty header name', { headers: [''] }, 'correlation.headers'],
    ['a response header with a colon', { responseHeader: 'x-id:' }, 'correlation.responseHeader'],
    ['a response header set to true', { responseHeader: true }, 'correlation.responseHeader'],
    ['httpEvents as a string', { httpEvents: 'no' }, 'correlation.httpEvents'],
    [
      'httpEvents with an unknown key',
      { httpEvents: { completed: false } },
      'correlation.httpEvents.completed',
    ],
    ['httpEvents.started as a string', { httpEvents: { started: 'yes' } }, 'correlation.httpEvents.started'],
    ['generateId that is not a function', { generateId: 'uuid' }, 'correlation.generateId'],
    ['trustClientIds as a string', { trustClientIds: 'proxies' }, 'correlation.trustClientIds'],
  ])('rejects %s, naming the option', (_label, value, option) => {
    expect(() => resolveEventsOptions({ correlation: value as never })).toThrow(EventsConfigError);
    expect(() => resolveCorrelationOptions(value)).toThrow(expect.objectContaining({ option }));
  });
});
