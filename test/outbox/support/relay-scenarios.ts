import type { LoggerService } from '@nestjs/common';
import {
  OutboxRelay,
  type OutboxDeliver,
  type OutboxRecord,
  type OutboxRelayOptions,
  type OutboxStore,
} from 'nestjs-event-bus/outbox';
import { until } from '../../support/wait';
import { commit, entry, type OutboxBackend } from './outbox-backends';

/** A logger that keeps what it was told. */
export function recordingLogger(): LoggerService & { warnings: string[]; logs: string[] } {
  const warnings: string[] = [];
  const logs: string[] = [];
  return {
    warnings,
    logs,
    log: (message: unknown) => void logs.push(String(message)),
    warn: (message: unknown) => void warnings.push(String(message)),
    error: (message: unknown) => void warnings.push(String(message)),
  };
}

/** Relays made by a test, stopped after it. */
export class Relays {
  private readonly started: OutboxRelay[] = [];

  make(store: OutboxStore, deliver: OutboxDeliver, options: OutboxRelayOptions = {}): OutboxRelay {
    const relay = new OutboxRelay(store, deliver, { logger: recordingLogger(), ...options });
    this.started.push(relay);
    return relay;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((relay) => relay.stop()));
  }
}

/** Relay behaviour on a real database; `backend()` gives a fresh one per test. */
export function describeRelayOn(backend: () => OutboxBackend): void {
  let db: OutboxBackend;
  let relays: Relays;

  beforeEach(() => {
    db = backend();
    relays = new Relays();
  });
  afterEach(async () => {
    await relays.stopAll();
    await db.close();
  });

  it('two relays deliver every row exactly once, each key in the order it was written', async () => {
    const writer = db.store();
    await writer.prepare();
    const delivered: { relay: string; record: OutboxRecord }[] = [];
    const deliverAs = (relay: string) => async (record: OutboxRecord) => {
      delivered.push({ relay, record });
      if (Math.random() < 0.1) await new Promise((resolve) => setImmediate(resolve));
    };
    const options = { batchSize: 7, pollIntervalMs: 20 };
    const a = relays.make(db.store(), deliverAs('a'), options);
    const b = relays.make(db.store(), deliverAs('b'), options);
    await Promise.all([a.start(), b.start()]);
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const all = Array.from({ length: 300 }, (_, i) => entry(keys[(i * 3 + (i >> 2)) % keys.length], i));
    for (let i = 0; i < all.length; i += 20) {
      await commit(db, writer, all.slice(i, i + 20));
      (i % 40 === 0 ? a : b).wake();
    }
    await until(async () => delivered.length >= all.length && (await writer.inspect()).rows === 0, 30_000);

    expect(delivered.map((d) => d.record.eventId).sort()).toEqual(all.map((e) => e.eventId).sort());
    for (const key of keys) {
      const written = all.filter((e) => e.key === key).map((e) => e.eventId);
      expect(delivered.filter((d) => d.record.key === key).map((d) => d.record.eventId)).toEqual(written);
    }
    expect(a.stats().published + b.stats().published).toBe(all.length);
  }, 60_000);

  it('backs off after a failed delivery and delivers the row later, its key still in order', async () => {
    const store = db.store();
    await store.prepare();
    const [first, second] = [entry('order-1', 1), entry('order-1', 2)];
    await commit(db, store, [first, second]);
    const delivered: OutboxRecord[] = [];
    let failuresLeft = 2;
    const logger = recordingLogger();
    const relay = relays.make(
      store,
      async (record) => {
        if (record.eventId === first.eventId && failuresLeft-- > 0) throw new Error('broker unavailable');
        delivered.push(record);
      },
      { retryDelayMs: 20, pollIntervalMs: 10, logger },
    );
    await relay.start();
    await until(() => delivered.length === 2, 10_000);

    expect(delivered.map((r) => [r.eventId, r.attempts])).toEqual([
      [first.eventId, 2],
      [second.eventId, 2],
    ]);
    expect(relay.stats()).toMatchObject({ failures: 2, published: 2 });
    expect(relay.stats().lastError?.message).toBe('broker unavailable');
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('broker unavailable');
    expect(logger.logs).toEqual([expect.stringContaining('succeed again after 2 failed')]);
    // The delete follows the batch's last delivery.
    await until(async () => (await store.inspect()).rows === 0);
  }, 30_000);

  it('leaves the rows of a relay stopped mid-batch to another relay once their lease runs out', async () => {
    const store = db.store();
    await store.prepare();
    const all = Array.from({ length: 5 }, (_, i) => entry(`k${i % 2}`, i));
    await commit(db, store, all);
    const stuck: OutboxRecord[] = [];
    const hung = relays.make(
      db.store(),
      (record) => {
        stuck.push(record);
        return new Promise<void>(() => undefined);
      },
      { leaseMs: 300, shutdownTimeoutMs: 50 },
    );
    await hung.start();
    await until(() => stuck.length === 1);
    await hung.stop();

    const delivered: OutboxRecord[] = [];
    const rescuer = relays.make(store, async (record) => void delivered.push(record), { pollIntervalMs: 20 });
    await rescuer.start();
    await until(() => delivered.length === all.length, 10_000);
    expect(delivered.map((r) => r.eventId)).toEqual(all.map((e) => e.eventId));
    expect(stuck.map((r) => r.eventId)).toEqual([all[0].eventId]);
    expect(hung.stats().published).toBe(0);
    await until(async () => (await store.inspect()).rows === 0);
  }, 30_000);

  it('renews the lease of a batch slower than leaseMs, so that another relay does not deliver it again', async () => {
    const store = db.store();
    await store.prepare();
    const all = [entry('k0', 0), entry('k1', 1)];
    await commit(db, store, all);
    const delivered: { relay: string; eventId: string }[] = [];
    // Renewed every 333 ms: room for a loaded machine's event-loop lag.
    const options = { leaseMs: 1_000, pollIntervalMs: 20 };
    let slowStarted = false;
    const slow = relays.make(
      db.store(),
      async (record) => {
        slowStarted = true;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        delivered.push({ relay: 'slow', eventId: record.eventId });
      },
      options,
    );
    await slow.start();
    await until(() => slowStarted);
    const other = relays.make(
      db.store(),
      async (record) => void delivered.push({ relay: 'other', eventId: record.eventId }),
      options,
    );
    await other.start();
    await until(async () => delivered.length === all.length && (await store.inspect()).rows === 0, 20_000);
    expect(delivered).toEqual(all.map((e) => ({ relay: 'slow', eventId: e.eventId })));
  }, 30_000);

  it('wake() claims at once, without waiting for the poll interval', async () => {
    const store = db.store();
    await store.prepare();
    const delivered: OutboxRecord[] = [];
    const relay = relays.make(store, async (record) => void delivered.push(record), {
      pollIntervalMs: 600_000,
      listen: false,
    });
    await relay.start();
    // Runs after the loop's first claim: the loop is asleep for the whole poll interval now.
    await relay.flushOnce();
    await commit(db, store, [entry('k', 1)]);
    relay.wake();
    await until(() => delivered.length === 1, 10_000);
  });

  it('drain() delivers everything due, batch after batch, without start()', async () => {
    const store = db.store();
    await store.prepare();
    await commit(
      db,
      store,
      Array.from({ length: 250 }, (_, i) => entry(`k${i % 3}`, i)),
    );
    const delivered: string[] = [];
    const relay = relays.make(store, async (record) => void delivered.push(record.seq), { batchSize: 100 });
    expect(await relay.drain()).toBe(250);
    expect(delivered).toHaveLength(250);
    expect(relay.stats().batches).toBe(3);
    expect(await relay.flushOnce()).toEqual({ claimed: 0, delivered: 0, released: 0 });
  });
}
