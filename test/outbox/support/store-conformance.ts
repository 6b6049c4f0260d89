import type { OutboxRecord, OutboxStore } from 'nestjs-event-bus/outbox';
import { delay, until } from '../../support/wait';
import { commit, entry, type OutboxBackend } from './outbox-backends';

const LONG_LEASE = 60_000;

/**
 * What every `OutboxStore` promises, on a real database: `backend()` gives a fresh one (an SQLite file, a
 * PostgreSQL schema) for each test.
 */
export function describeOutboxStoreContract(backend: () => OutboxBackend): void {
  let db: OutboxBackend;
  let store: OutboxStore;

  beforeEach(async () => {
    db = backend();
    store = db.store();
    await store.prepare();
  });
  afterEach(() => db.close());

  it('prepare() is idempotent, also when several stores prepare at once', async () => {
    await store.prepare();
    const others = [db.store(), db.store(), db.store()];
    await Promise.all(others.map((other) => other.prepare()));
    await commit(db, others[0], [entry('k', 1)]);
    expect((await store.inspect()).rows).toBe(1);
  });

  it('writes nothing when the transaction rolls back, and every row when it commits', async () => {
    await db.transaction('rollback', (run) => store.enqueue(run, [entry('a', 1), entry('b', 2)]));
    expect(await store.inspect()).toEqual({ rows: 0, oldestAt: undefined });
    expect(await store.claim('relay-1', 10, LONG_LEASE)).toEqual([]);

    const entries = [entry('a', 1), entry('b', 2)];
    await commit(db, store, entries);
    const claimed = await store.claim('relay-1', 10, LONG_LEASE);
    expect(claimed.map((r) => r.eventId)).toEqual(entries.map((e) => e.eventId));
  });

  it('keeps the body byte for byte, and the headers, type and key', async () => {
    const body = '{"z": 1,  "a":"\\u00e9 é 😀 \\" \\\\", "n": 1.50, "big": 12345678901234567890}';
    const written = { ...entry('key ü', 1, body), headers: { traceparent: '00-ab-cd-01', note: 'ünï 😀' } };
    await commit(db, store, [written]);
    const [record] = await store.claim('relay-1', 10, LONG_LEASE);
    expect(record.body).toBe(body);
    expect(Buffer.from(record.body).equals(Buffer.from(body))).toBe(true);
    expect(record).toMatchObject({
      eventId: written.eventId,
      type: written.type,
      key: written.key,
      headers: written.headers,
      attempts: 0,
    });
    expect(record.createdAt).toBeInstanceOf(Date);
    expect(typeof record.seq).toBe('string');
  });

  it('claims in the order rows were written, up to the limit, across transactions', async () => {
    const first = Array.from({ length: 250 }, (_, i) => entry(`k${i % 7}`, i));
    const second = Array.from({ length: 30 }, (_, i) => entry(`k${i % 5}`, 250 + i));
    await commit(db, store, first);
    await commit(db, store, second);
    const claimed = await store.claim('relay-1', 260, LONG_LEASE);
    expect(claimed.map((r) => r.eventId)).toEqual([...first, ...second].slice(0, 260).map((e) => e.eventId));
    expect(isAscending(claimed)).toBe(true);
  });

  it('never gives one row to two owners while their leases hold', async () => {
    await commit(
      db,
      store,
      Array.from({ length: 6 }, (_, i) => entry(`key-${i}`, i)),
    );
    const other = db.store();
    const a = await store.claim('relay-a', 3, LONG_LEASE);
    const b = await other.claim('relay-b', 10, LONG_LEASE);
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    expect(new Set([...a, ...b].map((r) => r.seq)).size).toBe(6);
    expect(await store.claim('relay-a', 10, LONG_LEASE)).toEqual([]);
    expect(await other.claim('relay-c', 10, LONG_LEASE)).toEqual([]);
  });

  it('lets another owner take rows whose lease ran out; the first owner can no longer delete them', async () => {
    await commit(db, store, [entry('a', 1), entry('b', 2)]);
    const first = await store.claim('relay-a', 10, 50);
    expect(first).toHaveLength(2);
    let taken: OutboxRecord[] = [];
    await until(async () => (taken = await store.claim('relay-b', 10, LONG_LEASE)).length > 0);
    expect(taken.map((r) => r.seq)).toEqual(first.map((r) => r.seq));
    await store.complete(
      'relay-a',
      first.map((r) => r.seq),
    );
    expect((await store.inspect()).rows).toBe(2);
    await store.complete(
      'relay-b',
      taken.map((r) => r.seq),
    );
    expect((await store.inspect()).rows).toBe(0);
  });

  it('renew() extends the lease of the rows that owner still holds, and of no other', async () => {
    await commit(db, store, [entry('a', 1), entry('b', 2)]);
    const [mine, theirs] = await store.claim('relay-a', 10, 150);
    await store.renew!('relay-a', [mine.seq], LONG_LEASE);
    await store.renew!('relay-b', [theirs.seq], LONG_LEASE);
    let taken: OutboxRecord[] = [];
    await until(async () => (taken = await store.claim('relay-c', 10, LONG_LEASE)).length > 0);
    expect(taken.map((r) => r.seq)).toEqual([theirs.seq]);
    await store.complete('relay-a', [mine.seq]);
    expect((await store.inspect()).rows).toBe(1);
  });

  it('complete() deletes only the rows leased to that owner', async () => {
    await commit(db, store, [entry('a', 1), entry('b', 2), entry('c', 3)]);
    const mine = await store.claim('relay-a', 2, LONG_LEASE);
    await store.complete(
      'relay-b',
      mine.map((r) => r.seq),
    );
    expect((await store.inspect()).rows).toBe(3);
    await store.complete('relay-a', [...mine.map((r) => r.seq)]);
    expect((await store.inspect()).rows).toBe(1);
    const [rest] = await store.claim('relay-b', 10, LONG_LEASE);
    expect(rest.eventId).not.toBe(mine[0].eventId);
  });

  it('holds back the later rows of a key while an older row of it is not in the claim', async () => {
    const [k1, other, k2] = [entry('k', 1), entry('other', 2), entry('k', 3)];
    await commit(db, store, [k1, other, k2]);
    const [head] = await store.claim('relay-a', 1, LONG_LEASE);
    expect(head.eventId).toBe(k1.eventId);
    const next = await db.store().claim('relay-b', 10, LONG_LEASE);
    expect(next.map((r) => r.eventId)).toEqual([other.eventId]);
  });

  it('release() delays a row, counts the attempt and keeps the error (truncated); its key waits behind it', async () => {
    const [late, soon, behind] = [entry('late', 1), entry('soon', 2), entry('late', 3)];
    await commit(db, store, [late, soon, behind]);
    const claimed = await store.claim('relay-a', 2, LONG_LEASE);
    expect(claimed.map((r) => r.eventId)).toEqual([late.eventId, soon.eventId]);
    await store.release('relay-a', [claimed[0].seq], 'x'.repeat(5000), new Date(Date.now() + LONG_LEASE));
    await store.release('relay-a', [claimed[1].seq], 'transport down', new Date(Date.now() - 1));
    await store.release('relay-b', [claimed[1].seq], 'not mine', new Date(Date.now() + LONG_LEASE));

    const again = await store.claim('relay-c', 10, LONG_LEASE);
    expect(again.map((r) => [r.eventId, r.attempts])).toEqual([[soon.eventId, 1]]);
    const rows = await db.rows(`SELECT event_id, attempts, last_error FROM ${db.tableSql()} ORDER BY seq`);
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    expect(byId.get(soon.eventId)).toMatchObject({ attempts: 1, last_error: 'transport down' });
    expect(byId.get(late.eventId)!.attempts).toBe(1);
    const kept = byId.get(late.eventId)!.last_error as string;
    expect(kept.length).toBeLessThanOrEqual(2000);
    expect(kept.startsWith('xxxx')).toBe(true);
    expect(byId.get(behind.eventId)!.attempts).toBe(0);
  });

  it('inspect() counts the rows and dates the oldest', async () => {
    expect(await store.inspect()).toEqual({ rows: 0, oldestAt: undefined });
    const before = Date.now();
    await commit(db, store, [entry('a', 1)]);
    await commit(db, store, [entry('b', 2), entry('c', 3)]);
    const depth = await store.inspect();
    expect(depth.rows).toBe(3);
    const [oldest] = await store.claim('relay-a', 1, LONG_LEASE);
    expect(depth.oldestAt?.getTime()).toBe(oldest.createdAt.getTime());
    // The database's clock may run a little apart from this process's.
    expect(Math.abs(depth.oldestAt!.getTime() - before)).toBeLessThan(60_000);
  });

  it('recordHandled() is true once per (event, handler), and a rolled-back record leaves nothing', async () => {
    const results: boolean[] = [];
    const record = (outcome: 'commit' | 'rollback', eventId: string, handler: string) =>
      db.transaction(outcome, async (run) => {
        results.push(await store.recordHandled(run, eventId, handler));
      });
    await record('commit', 'e-1', 'Mailer.send');
    await record('commit', 'e-1', 'Mailer.send');
    await record('commit', 'e-1', 'Billing.charge');
    await record('rollback', 'e-2', 'Mailer.send');
    await record('commit', 'e-2', 'Mailer.send');
    await record('commit', 'e-2', 'Mailer.send');
    expect(results).toEqual([true, false, true, true, true, false]);
  });

  it('keeps each key in order, and a row with one relay at a time, under many racing claim loops', async () => {
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const all = Array.from({ length: 240 }, (_, i) => entry(keys[(i * 7 + (i >> 3)) % keys.length], i));
    for (let i = 0; i < all.length; i += 30) await commit(db, store, all.slice(i, i + 30));
    const written = await db.rows(`SELECT seq, key FROM ${db.tableSql()} ORDER BY seq`);
    const stores = [store, db.store()];
    const held = new Set<string>();
    const overlaps: string[] = [];
    const delivered = new Map<string, string[]>();
    let count = 0;
    const loop = async (n: number) => {
      const owner = `loop-${n}`;
      while (count < all.length) {
        const batch = await stores[n % 2].claim(owner, 5, LONG_LEASE);
        if (batch.length === 0) {
          await delay(1);
          continue;
        }
        for (const record of batch) {
          if (held.has(record.seq)) overlaps.push(record.seq);
          held.add(record.seq);
          delivered.set(record.key, [...(delivered.get(record.key) ?? []), record.seq]);
          count++;
          await delay(Math.random() < 0.3 ? 1 : 0);
        }
        await stores[n % 2].complete(
          owner,
          batch.map((r) => r.seq),
        );
        for (const record of batch) held.delete(record.seq);
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, n) => loop(n)));
    expect(overlaps).toEqual([]);
    expect(count).toBe(all.length);
    for (const key of keys) {
      const expected = written.filter((row) => row.key === key).map((row) => String(row.seq));
      expect(delivered.get(key)).toEqual(expected);
    }
    expect((await store.inspect()).rows).toBe(0);
  }, 60_000);
}

function isAscending(records: readonly OutboxRecord[]): boolean {
  return records.every((r, i) => i === 0 || BigInt(records[i - 1].seq) < BigInt(r.seq));
}
