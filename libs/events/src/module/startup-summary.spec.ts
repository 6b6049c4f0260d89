import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MemoryAuditStore } from '../audit/stores/memory-audit.store';
import { SqliteOutboxStore } from '../outbox/stores/sqlite-outbox.store';
import { resolveEventsOptions } from './resolve-options';
import { startupLine } from './startup-summary';

describe('startupLine', () => {
  it('says everything is off but history and correlation with the defaults', () => {
    expect(startupLine(0, resolveEventsOptions())).toBe(
      'Ready: source "app", 0 listener(s); history on (1000 events), correlation on, metrics off, audit off, ' +
        'event log off, bridges off, outbox off',
    );
  });

  it('names the endpoint, the audit store and its durability, and the bridges that are on', () => {
    const options = resolveEventsOptions({
      source: 'orders-api',
      history: false,
      correlation: false,
      metrics: { endpoint: '/metrics' },
      audit: { store: new MemoryAuditStore(), durability: 'sync' },
      eventLog: true,
      bridges: { eventEmitter: true, cqrs: true },
    });
    expect(startupLine(12, options)).toBe(
      'Ready: source "orders-api", 12 listener(s); history off, correlation off, metrics on (/metrics), ' +
        'audit on (MemoryAuditStore, sync), event log on, bridges on (event-emitter, cqrs), outbox off',
    );
  });

  it('calls a store-less audit trail by its default store, and metrics without an endpoint so', () => {
    const options = resolveEventsOptions({ metrics: {}, audit: {} });
    expect(startupLine(1, options)).toContain(
      'metrics on (no endpoint), audit on (SqliteAuditStore, batched)',
    );
  });

  it('names the outbox store and whether this instance relays', () => {
    const store = new SqliteOutboxStore({ file: join(tmpdir(), 'startup-summary-outbox.db') });
    expect(startupLine(1, resolveEventsOptions({ outbox: { store } }))).toContain(
      'outbox on (SqliteOutboxStore, relay on)',
    );
    expect(startupLine(1, resolveEventsOptions({ outbox: { store, relay: false } }))).toContain(
      'outbox on (SqliteOutboxStore, relay off)',
    );
  });
});
