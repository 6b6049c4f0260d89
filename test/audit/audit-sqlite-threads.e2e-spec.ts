import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditStoreError, SqliteAuditStore, type AuditEntry } from 'nestjs-event-bus';
import { UserCreated, startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';
import {
  changeData,
  deleteRow,
  forgeHash,
  insertForged,
  rewriteSuffix,
  swapRows,
  type Tamperer,
} from './support/tamper';
import { sqliteTamperer } from './support/sqlite-tamperer';

/** Long enough for verify() to split the chain over two threads: records 1-10,000 and 10,001-20,000. */
const RECORDS = 20_000;
const SECOND_PART = RECORDS / 2 + 1;

function entry(i: number, actorId: string | null = 'seed'): AuditEntry {
  return {
    eventId: `seed-${i}`,
    type: 'user.created',
    version: 1,
    timestamp: '2026-11-23T09:00:00.000Z',
    correlationId: `corr-${i >> 4}`,
    causationId: null,
    actorId,
    source: 'seed',
    severity: 'info',
    data: `{"email":"u${i}@example.com","id":"u${i}"}`,
  };
}

describe('audit verify() on SQLite, checked on several threads', () => {
  let dir: string;
  let seeded: string;
  let app: AuditApp | undefined;
  let store: SqliteAuditStore;
  let parallelAnswers: boolean[];
  let copies = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-threads-'));
    seeded = join(dir, 'seeded.db');
    const seeder = new SqliteAuditStore({ path: seeded });
    await seeder.init();
    for (let first = 1; first <= RECORDS; first += 1000) {
      await seeder.append(Array.from({ length: 1000 }, (_, i) => entry(first + i)));
    }
    await seeder.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the seeded trail, under an app whose store reports what its threads answered. */
  beforeEach(async () => {
    const path = join(dir, `copy-${copies++}.db`);
    copyFileSync(seeded, path);
    store = new SqliteAuditStore({ path, verifyThreads: 2 });
    parallelAnswers = [];
    const check = store.chainIntactUpTo.bind(store);
    jest.spyOn(store, 'chainIntactUpTo').mockImplementation(async (head) => {
      const answer = await check(head);
      parallelAnswers.push(answer);
      return answer;
    });
    app = await startAuditApp({ store });
  });
  afterEach(async () => {
    await app?.app.close();
    app = undefined;
  });

  function tamperer(): Tamperer & { close(): void } {
    return sqliteTamperer(store.path);
  }

  async function tampered(change: (t: Tamperer) => Promise<void>) {
    const t = tamperer();
    try {
      await change(t);
    } finally {
      t.close();
    }
    const result = await app!.audit.verify();
    // The threads cannot vouch for a broken chain; the main thread's walk then names the first bad record.
    expect(parallelAnswers).toEqual([false]);
    return result;
  }

  it('an intact chain is confirmed by the threads, and records written after are checked in order', async () => {
    expect(await app!.audit.verify()).toEqual({
      ok: true,
      checked: RECORDS,
      head: await app!.audit.head(),
    });
    expect(parallelAnswers).toEqual([true]);

    app!.bus.emit(UserCreated, { id: 'late', email: 'late@example.com' });
    await app!.audit.flush();
    expect(await app!.audit.verify()).toMatchObject({ ok: true, checked: RECORDS + 1 });
  });

  it('a changed record in the second part', async () => {
    const result = await tampered((t) => changeData(t, 17_000));
    expect(result).toMatchObject({ ok: false, firstBadSeq: 17_000, checked: 16_999 });
  });

  it('a record deleted where the second part begins', async () => {
    const result = await tampered((t) => deleteRow(t, SECOND_PART));
    expect(result).toMatchObject({ ok: false, firstBadSeq: SECOND_PART });
    expect(result.reason).toContain('missing');
  });

  it('a cut tail: the parts still link up, so only a head kept elsewhere catches it', async () => {
    await store.append([entry(RECORDS + 1), entry(RECORDS + 2), entry(RECORDS + 3)]);
    const head = await app!.audit.head();
    const t = tamperer();
    try {
      await deleteRow(t, RECORDS + 3);
      await deleteRow(t, RECORDS + 2);
    } finally {
      t.close();
    }
    expect(await app!.audit.verify()).toMatchObject({ ok: true, checked: RECORDS + 1 });
    expect(parallelAnswers).toEqual([true]);
    const cut = await app!.audit.verify({ expectedHead: head });
    expect(cut).toMatchObject({ ok: false, firstBadSeq: RECORDS + 2 });
    expect(cut.reason).toContain('removed from the end');
  });

  /** Inserts a forged record at the trail's middle, in one transaction: it moves the 10,001 records after it. */
  async function forgeInTheMiddle(t: Tamperer, validHash: boolean): Promise<void> {
    await t.exec('BEGIN');
    await insertForged(t, RECORDS / 2, validHash);
    await t.exec('COMMIT');
  }

  it('a forged record inserted in the middle (bad hash: caught at the forged row)', async () => {
    const result = await tampered((t) => forgeInTheMiddle(t, false));
    expect(result).toMatchObject({ ok: false, firstBadSeq: RECORDS / 2, checked: RECORDS / 2 - 1 });
  });

  it('a forged record inserted in the middle (well-formed: caught at the displaced row after it)', async () => {
    const result = await tampered((t) => forgeInTheMiddle(t, true));
    expect(result).toMatchObject({ ok: false, firstBadSeq: RECORDS / 2 + 1, checked: RECORDS / 2 });
  });

  it('two records swapped across the parts', async () => {
    const result = await tampered((t) => swapRows(t, 300, 18_000));
    expect(result).toMatchObject({ ok: false, firstBadSeq: 300 });
  });

  it('the second part rewritten with recomputed hashes but a wrong link to the first', async () => {
    const result = await tampered((t) => rewriteSuffix(t, SECOND_PART, false));
    expect(result).toMatchObject({ ok: false, firstBadSeq: SECOND_PART, checked: SECOND_PART - 1 });
    expect(result.reason).toContain('link');
  });

  it('a rewritten stretch inside one part, hashes recomputed, linked wrongly to the record before it', async () => {
    const result = await tampered((t) => rewriteSuffix(t, 15_000, false));
    expect(result).toMatchObject({ ok: false, firstBadSeq: 15_000, checked: 14_999 });
  });

  it('a record deleted and every later one re-chained over the gap: the gap is still caught', async () => {
    const result = await tampered(async (t) => {
      await deleteRow(t, 15_000);
      await rewriteSuffix(t, 15_001, true, 14_999);
    });
    expect(result).toMatchObject({ ok: false, firstBadSeq: 15_000, checked: 14_999 });
    expect(result.reason).toContain('missing');
  });

  it("the first part's last record deleted and the second part re-chained onto the one before it", async () => {
    const last = SECOND_PART - 1;
    const result = await tampered(async (t) => {
      await deleteRow(t, last);
      await rewriteSuffix(t, SECOND_PART, true, last - 1);
    });
    expect(result).toMatchObject({ ok: false, firstBadSeq: last, checked: last - 1 });
  });

  it('a stored link one character longer, its hash and every later one recomputed over it', async () => {
    const result = await tampered(async (t) => {
      const [row] = (await t.exec('SELECT * FROM audit_log WHERE seq = 15000')) as Parameters<
        typeof forgeHash
      >[0][];
      const prev_hash = row.prev_hash + '0';
      await t.exec('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = 15000', [
        prev_hash,
        forgeHash({ ...row, prev_hash }),
      ]);
      await rewriteSuffix(t, 15_001, true);
    });
    expect(result).toMatchObject({ ok: false, firstBadSeq: 15_000, checked: 14_999 });
    expect(result.reason).toContain('link');
  });

  it('the threads do not vouch for a head the chain does not end in', async () => {
    const head = await app!.audit.head();
    await expect(store.chainIntactUpTo({ seq: head!.seq, hash: 'f'.repeat(64) })).resolves.toBe(false);
    await expect(store.chainIntactUpTo(head!)).resolves.toBe(true);
  });

  it('a record whose text the database cannot build (a quote in a value) sends verify() to the exact walk', async () => {
    await store.append([entry(RECORDS + 1, 'o"brien')]);
    expect(await app!.audit.verify()).toMatchObject({ ok: true, checked: RECORDS + 1 });
    expect(parallelAnswers).toEqual([false]);
  });

  it('refuses a thread count that is not a whole number of at least 1', () => {
    for (const verifyThreads of [0, 1.5, -2, Number.NaN]) {
      expect(() => new SqliteAuditStore({ path: join(dir, 'x.db'), verifyThreads })).toThrow(AuditStoreError);
    }
    expect(() => new SqliteAuditStore({ path: join(dir, 'x.db'), verifyThreads: 0 })).toThrow(
      /verifyThreads must be a whole number of at least 1/,
    );
  });
});

describe('audit verify() on SQLite threads with a keyed chain', () => {
  const key = { id: 'k1', secret: Buffer.from('k'.repeat(32)) };
  let dir: string;
  let app: AuditApp | undefined;
  afterEach(async () => {
    await app?.app.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks HMACs on the threads, and a suffix recomputed without the key sends the walk to its first record', async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-threads-keyed-'));
    const path = join(dir, 'keyed.db');
    const seeder = new SqliteAuditStore({ path });
    await seeder.init();
    for (let first = 1; first <= RECORDS; first += 1000) {
      await seeder.append(
        Array.from({ length: 1000 }, (_, i) => entry(first + i)),
        { key },
      );
    }
    await seeder.close();
    const store = new SqliteAuditStore({ path, verifyThreads: 2 });
    const answers: boolean[] = [];
    const check = store.chainIntactUpTo.bind(store);
    jest.spyOn(store, 'chainIntactUpTo').mockImplementation(async (head, keyring) => {
      const answer = await check(head, keyring);
      answers.push(answer);
      return answer;
    });
    app = await startAuditApp({ store, chainKey: { current: 'k1', keys: { k1: key.secret } } });
    await expect(app.audit.verify()).resolves.toMatchObject({ ok: true, checked: RECORDS });
    expect(answers).toEqual([true]);
    const t = sqliteTamperer(path);
    try {
      await rewriteSuffix(t, RECORDS - 10, true);
    } finally {
      t.close();
    }
    await expect(app.audit.verify()).resolves.toMatchObject({ ok: false, firstBadSeq: RECORDS - 10 });
    expect(answers).toEqual([true, false]);
  });
});
