import { EventsConfigError } from '../errors/events-config.error';
import { defineEvent } from '../event/event-definition';
import type { EventsModuleOptions } from './events-module.options';
import { resolveEventsOptions } from './resolve-options';

function configError(options: unknown): EventsConfigError {
  try {
    resolveEventsOptions(options as EventsModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(EventsConfigError);
    return error as EventsConfigError;
  }
  throw new Error(`expected EventsConfigError for ${JSON.stringify(options)}`);
}

describe('resolveEventsOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveEventsOptions();
    expect(resolved.bus).toMatchObject({
      source: 'app',
      strict: false,
      definitions: [],
      history: { maxEvents: 1000, maxBytes: 10 * 1024 * 1024 },
      deadLetters: { maxEntries: 1000, maxBytes: 10 * 1024 * 1024 },
      retry: { attempts: 1 },
      maxHeldEvents: 10_000,
      maxCausationDepth: 32,
    });
    expect(resolved.discovery).toEqual({ verbose: false });
    expect(resolved.shutdownTimeoutMs).toBe(10_000);
  });

  it('keeps valid values and fills the rest of a partial option', () => {
    const Def = defineEvent('user.created');
    const resolved = resolveEventsOptions({
      source: 'orders-api',
      strict: true,
      definitions: [Def],
      history: { maxEvents: 50 },
      deadLetters: { maxEntries: 5, maxBytes: 4096 },
      retry: { attempts: 3, backoffMs: 10 },
      shutdownTimeoutMs: 0,
      maxHeldEvents: 1,
      maxCausationDepth: 8,
    });
    expect(resolved.bus).toMatchObject({
      source: 'orders-api',
      strict: true,
      definitions: [Def],
      history: { maxEvents: 50, maxBytes: 10 * 1024 * 1024 },
      deadLetters: { maxEntries: 5, maxBytes: 4096 },
      retry: { attempts: 3, backoffMs: 10, factor: 2 },
      maxHeldEvents: 1,
      maxCausationDepth: 8,
    });
    expect(resolved.shutdownTimeoutMs).toBe(0);
    expect(resolveEventsOptions({ history: false }).bus.history).toBe(false);
  });

  it('names an unknown option and lists the known ones', () => {
    const error = configError({ histroy: false });
    expect(error.option).toBe('histroy');
    expect(error.name).toBe('EventsConfigError');
    expect(error.message).toMatch(/"histroy"/);
    expect(error.message).toMatch(/history/);
    expect(error.message).toMatch(/maxHeldEvents/);
  });

  it.each([
    [null, '(options)'],
    ['app', '(options)'],
    [{ source: '' }, 'source'],
    [{ source: '   ' }, 'source'],
    [{ source: 42 }, 'source'],
    [{ strict: 'yes' }, 'strict'],
    [{ verbose: 'yes' }, 'verbose'],
    [{ definitions: 'user.created' }, 'definitions'],
    [{ definitions: [{ name: 'user.created' }] }, 'definitions'],
    [{ history: true }, 'history'],
    [{ history: 1000 }, 'history'],
    [{ history: { maxEvents: 0 } }, 'history.maxEvents'],
    [{ history: { maxEvents: 1.5 } }, 'history.maxEvents'],
    [{ history: { maxEvents: '100' } }, 'history.maxEvents'],
    [{ history: { maxEvents: 1e8 } }, 'history.maxEvents'],
    [{ history: { maxBytes: -1 } }, 'history.maxBytes'],
    [{ history: { maxBytes: Infinity } }, 'history.maxBytes'],
    [{ history: { maxEvent: 10 } }, 'history.maxEvent'],
    [{ deadLetters: 10 }, 'deadLetters'],
    [{ deadLetters: null }, 'deadLetters'],
    [{ deadLetters: { maxEntries: 0 } }, 'deadLetters.maxEntries'],
    [{ deadLetters: { maxBytes: 0 } }, 'deadLetters.maxBytes'],
    [{ maxCausationDepth: 0 }, 'maxCausationDepth'],
    [{ deadLetters: { max: 10 } }, 'deadLetters.max'],
    [{ retry: 3 }, 'retry'],
    [{ retry: { attempts: 0 } }, 'retry'],
    [{ retry: { attempts: 2, factor: 0.5 } }, 'retry'],
    [{ retry: { attempts: 2, backoffMs: -5 } }, 'retry'],
    [{ retry: { attempts: 2, jitter: 2 } }, 'retry'],
    [{ retry: { attempts: 2, backof: 100 } }, 'retry'],
    [{ shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs'],
    [{ shutdownTimeoutMs: NaN }, 'shutdownTimeoutMs'],
    [{ shutdownTimeoutMs: '5000' }, 'shutdownTimeoutMs'],
    [{ maxHeldEvents: 0 }, 'maxHeldEvents'],
  ])('rejects %j naming %s', (options, option) => {
    const error = configError(options);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
    expect(error.message).toMatch(/expected .+, received /);
  });

  it('says what a retry policy needs', () => {
    expect(configError({ retry: { attempts: 0 } }).message).toMatch(/attempts must be an integer >= 1/);
    expect(configError({ retry: { attempts: 2, backof: 100 } }).message).toMatch(/backof/);
  });
});
