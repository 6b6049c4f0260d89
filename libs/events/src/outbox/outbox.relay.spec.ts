import type { LoggerService } from '@nestjs/common';
import type { OutboxDepth, OutboxRecord, OutboxStore } from '../bus/ports/outbox-store.port';
import { EventsConfigError } from '../errors/events-config.error';
import { OutboxRelay } from './outbox.relay';

/** An in-memory store whose calls can be made to fail: enough for the relay's own logic. */
class FakeStore implements OutboxStore {
  readonly dialect = 'sqlite';
  readonly description = 'fake';
  rows: (OutboxRecord & { owner?: string })[] = [];
  failClaims = 0;
  failCompletes = 0;
  claims = 0;
  completed: string[][] = [];

  add(count: number): void {
    for (let i = 0; i < count; i++) {
      const seq = String(this.rows.length + 1);
      this.rows.push({
        seq,
        eventId: `e${seq}`,
        type: 't',
        key: `k${seq}`,
        headers: {},
        body: '{}',
        createdAt: new Date(),
        attempts: 0,
      });
    }
  }
  async prepare(): Promise<void> {}
  async enqueue(): Promise<void> {}
  async claim(owner: string, limit: number): Promise<OutboxRecord[]> {
    this.claims++;
    if (this.failClaims > 0) {
      this.failClaims--;
      throw new Error('connection refused');
    }
    const free = this.rows.filter((row) => row.owner === undefined).slice(0, limit);
    for (const row of free) row.owner = owner;
    return free.map(({ owner: _, ...record }) => record);
  }
  async complete(owner: string, seqs: readonly string[]): Promise<void> {
    if (this.failCompletes > 0) {
      this.failCompletes--;
      throw new Error('connection reset');
    }
    this.completed.push([...seqs]);
    this.rows = this.rows.filter((row) => !(row.owner === owner && seqs.includes(row.seq)));
  }
  async release(): Promise<void> {}
  renewals: string[][] = [];
  failRenewals = 0;
  async renew(_owner: string, seqs: readonly string[]): Promise<void> {
    if (this.failRenewals > 0) {
      this.failRenewals--;
      throw new Error('connection reset');
    }
    this.renewals.push([...seqs]);
  }
  async inspect(): Promise<OutboxDepth> {
    return { rows: this.rows.length, oldestAt: undefined };
  }
  async recordHandled(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

function logger(): LoggerService & { warn: jest.Mock; log: jest.Mock } {
  return { log: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

describe('OutboxRelay', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('backs off between failed claims (100, 200, 400 ms), logs once per streak, and resumes', async () => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const store = new FakeStore();
    store.failClaims = 3;
    store.add(2);
    const log = logger();
    const delivered: string[] = [];
    const relay = new OutboxRelay(store, async (record) => void delivered.push(record.seq), {
      retryDelayMs: 100,
      pollIntervalMs: 10_000,
      logger: log,
    });
    await relay.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(store.claims).toBe(1);
    for (const delayMs of [100, 200, 400]) {
      await jest.advanceTimersByTimeAsync(delayMs - 1);
      const before = store.claims;
      await jest.advanceTimersByTimeAsync(1);
      expect(store.claims).toBe(before + 1);
    }
    expect(delivered).toEqual(['1', '2']);
    expect(relay.stats()).toMatchObject({ storeFailures: 3, published: 2, batches: 1 });
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][0]).toContain('connection refused');
    expect(log.log).toHaveBeenCalledWith(expect.stringContaining('works again after 3 failed'));
    await relay.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('deletes delivered rows whose delete failed before claiming again, without delivering them twice', async () => {
    const store = new FakeStore();
    store.add(3);
    store.failCompletes = 1;
    let deliveries = 0;
    const relay = new OutboxRelay(store, async () => void deliveries++, { logger: logger() });
    await expect(relay.flushOnce()).rejects.toThrow('connection reset');
    expect(await relay.flushOnce()).toEqual({ claimed: 0, delivered: 0, released: 0 });
    expect(store.completed).toEqual([['1', '2', '3']]);
    expect(deliveries).toBe(3);
    expect(store.rows).toHaveLength(0);
  });

  it('runs batches back to back while they come back full', async () => {
    const store = new FakeStore();
    store.add(25);
    const relay = new OutboxRelay(store, async () => undefined, {
      batchSize: 10,
      pollIntervalMs: 600_000,
      logger: logger(),
    });
    await relay.start();
    const deadline = Date.now() + 5000;
    while (store.rows.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(store.rows).toHaveLength(0);
    expect(relay.stats().batches).toBe(3);
    await relay.stop();
    expect(relay.stats().running).toBe(false);
  });

  it('claims every pollIntervalMs, counting the time a batch took', async () => {
    jest.useFakeTimers();
    const store = new FakeStore();
    store.add(1);
    const relay = new OutboxRelay(store, () => new Promise((resolve) => setTimeout(resolve, 100)), {
      pollIntervalMs: 250,
      logger: logger(),
    });
    await relay.start();
    expect(store.claims).toBe(1);
    await jest.advanceTimersByTimeAsync(249);
    expect(store.claims).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(store.claims).toBe(2);
    await jest.advanceTimersByTimeAsync(250);
    expect(store.claims).toBe(3);
    await relay.stop();
  });

  it('stop() finishes the batch in hand, deleting what it delivered, then resolves', async () => {
    const store = new FakeStore();
    store.add(3);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const delivered: string[] = [];
    const relay = new OutboxRelay(
      store,
      async (record) => {
        await gate;
        delivered.push(record.seq);
      },
      { logger: logger() },
    );
    await relay.start();
    let stopped = false;
    const stopping = relay.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    open();
    await stopping;
    expect(delivered).toEqual(['1', '2', '3']);
    expect(store.rows).toHaveLength(0);
    expect(store.claims).toBe(1);
  });

  it("renews a slow batch's lease every third of leaseMs until it is settled; a failed renewal is counted and logged once", async () => {
    jest.useFakeTimers();
    const store = new FakeStore();
    store.add(2);
    store.failRenewals = 2;
    let finish!: () => void;
    const log = logger();
    const relay = new OutboxRelay(
      store,
      (record) => (record.seq === '1' ? new Promise((r) => (finish = r)) : Promise.resolve()),
      {
        leaseMs: 300,
        logger: log,
      },
    );
    const batch = relay.flushOnce();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.renewals).toEqual(Array.from({ length: 8 }, () => ['1', '2']));
    expect(relay.stats().storeFailures).toBe(2);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(
      expect.stringContaining('renewing the lease of 2 rows at fake failed'),
    );
    finish();
    await expect(batch).resolves.toEqual({ claimed: 2, delivered: 2, released: 0 });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.renewals).toHaveLength(8);
  });

  it('names itself <host>:<pid>:<random>, uniquely, unless given an owner', () => {
    const store = new FakeStore();
    const a = new OutboxRelay(store, async () => undefined);
    const b = new OutboxRelay(store, async () => undefined);
    expect(a.owner).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`));
    expect(a.owner).not.toBe(b.owner);
    expect(new OutboxRelay(store, async () => undefined, { owner: 'relay-7' }).owner).toBe('relay-7');
  });

  it('rejects bad options, naming them', () => {
    const store = new FakeStore();
    const make = (options: object) => () => new OutboxRelay(store, async () => undefined, options);
    expect(make({ batchSize: 0 })).toThrow(EventsConfigError);
    expect(make({ batchSize: 0 })).toThrow(/"batchSize"/);
    expect(make({ pollIntervalMs: 'soon' })).toThrow(/"pollIntervalMs"/);
    expect(make({ leaseMS: 1000 })).toThrow(/options.leaseMS/);
    expect(make({ retryDelayMs: 500, maxRetryDelayMs: 100 })).toThrow(/"maxRetryDelayMs"/);
  });
});
