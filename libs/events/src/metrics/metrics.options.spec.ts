import { Registry } from 'prom-client';
import { EventsConfigError } from '../errors/events-config.error';
import { resolveEventsOptions } from '../module/resolve-options';
import { DEFAULT_DURATION_BUCKETS, resolveMetricsOptions } from './metrics.options';

function errorOf(value: unknown): EventsConfigError {
  try {
    resolveMetricsOptions(value);
  } catch (error) {
    if (error instanceof EventsConfigError) return error;
    throw error;
  }
  throw new Error('expected EventsConfigError');
}

describe('resolveMetricsOptions', () => {
  it('is off unless given', () => {
    expect(resolveMetricsOptions(undefined)).toBe(false);
    expect(resolveMetricsOptions(false)).toBe(false);
    expect(resolveEventsOptions({}).metrics).toBe(false);
  });

  it('applies the defaults for {}', () => {
    expect(resolveMetricsOptions({})).toEqual({
      endpoint: false,
      registry: undefined,
      prefix: '',
      maxTypes: 200,
      buckets: DEFAULT_DURATION_BUCKETS,
    });
  });

  it('keeps valid values', () => {
    const registry = new Registry();
    const resolved = resolveMetricsOptions({
      endpoint: '/ops/metrics',
      registry,
      prefix: 'api_',
      maxTypes: 0,
      buckets: [0.1, 1],
    });
    expect(resolved).toEqual({
      endpoint: '/ops/metrics',
      registry,
      prefix: 'api_',
      maxTypes: 0,
      buckets: [0.1, 1],
    });
  });

  it.each([
    ['metrics', true],
    ['metrics', 'yes'],
    ['metrics.endpoint', { endpoint: 'metrics' }],
    ['metrics.endpoint', { endpoint: '/' }],
    ['metrics.endpoint', { endpoint: '/a b' }],
    ['metrics.registry', { registry: {} }],
    ['metrics.prefix', { prefix: '1abc' }],
    ['metrics.prefix', { prefix: 'a-b' }],
    ['metrics.maxTypes', { maxTypes: -1 }],
    ['metrics.maxTypes', { maxTypes: 1.5 }],
    ['metrics.buckets', { buckets: [] }],
    ['metrics.buckets', { buckets: [1, 0.5] }],
    ['metrics.buckets', { buckets: [0, 1] }],
    ['metrics.unknown', { unknown: 1 }],
  ])('rejects a wrong %s (%j), naming the option', (option, value) => {
    const error = errorOf(value);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
  });

  it('is validated as part of the module options', () => {
    expect(() => resolveEventsOptions({ metrics: { maxTypes: -5 } })).toThrow(EventsConfigError);
  });
});
