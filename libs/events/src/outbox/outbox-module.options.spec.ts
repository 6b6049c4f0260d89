import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { EventsConfigError } from '../errors/events-config.error';
import { resolveOutboxOptions } from './outbox-module.options';
import { SqliteOutboxStore } from './stores/sqlite-outbox.store';

describe('resolveOutboxOptions', () => {
  const store = new SqliteOutboxStore({ file: join(tmpdir(), 'outbox-options.db') });

  it('is off unless given, and applies the defaults', () => {
    expect(resolveOutboxOptions(undefined)).toBe(false);
    expect(resolveOutboxOptions(false)).toBe(false);
    const resolved = resolveOutboxOptions({ store });
    expect(resolved).toMatchObject({
      store,
      maxAgeMs: 60_000,
      connectionName: undefined,
      executor: undefined,
    });
    expect(resolved && resolved.relay).toMatchObject({ batchSize: 100, pollIntervalMs: 1000 });
    const key = resolved && resolved.key;
    expect(key && key({ correlationId: 'c-1' } as never)).toBe('c-1');
  });

  it('keeps relay: false, the health bound, the connection name and the functions given', () => {
    const executor = () => async () => 1;
    const keyOf = () => 'k';
    expect(
      resolveOutboxOptions({
        store,
        relay: false,
        health: { maxAgeMs: 5000 },
        connectionName: 'billing',
        executor,
        key: keyOf,
      }),
    ).toMatchObject({ relay: false, maxAgeMs: 5000, connectionName: 'billing', executor, key: keyOf });
  });

  it.each([
    ['store: {}', { store: {} }, /"outbox.store": expected an OutboxStore/],
    [
      'relay.batchSize 0',
      { store, relay: { batchSize: 0 } },
      /"outbox.relay.batchSize": expected a whole number from 1 to 10000, received 0/,
    ],
    [
      'relay.batchsize (a typo)',
      { store, relay: { batchsize: 10 } },
      /"outbox.relay.batchsize": expected one of batchSize/,
    ],
    ["relay: 'on'", { store, relay: 'on' }, /"outbox.relay": expected false or an object/],
    ['health.maxAgeMs -1', { store, health: { maxAgeMs: -1 } }, /"outbox.health.maxAgeMs"/],
    [
      'health.maxAge (a typo)',
      { store, health: { maxAge: 1 } },
      /"outbox.health.maxAge": expected one of maxAgeMs/,
    ],
    ["connectionName ''", { store, connectionName: '' }, /"outbox.connectionName"/],
    ["executor: 'pg'", { store, executor: 'pg' }, /"outbox.executor": expected a function/],
    ['table (unknown)', { store, table: 'x' }, /"outbox.table": expected one of store, relay/],
    ["'yes'", 'yes', /"outbox": expected false or \{ store/],
  ])('refuses %s, naming the option', (_label, value, message) => {
    expect(() => resolveOutboxOptions(value)).toThrow(EventsConfigError);
    expect(() => resolveOutboxOptions(value)).toThrow(message);
  });
});
