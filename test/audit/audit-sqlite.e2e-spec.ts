import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditStoreError, SqliteAuditStore, type AuditOptions } from 'nestjs-event-bus';
import {
  PageViewed,
  UserCreated,
  UserDeleted,
  startAuditApp,
  type AuditApp,
} from './fixtures/audit-app.fixture';
import {
  changeData,
  deleteRow,
  insertForged,
  rewriteSuffix,
  swapRows,
  type Tamperer,
} from './support/tamper';
import { sqliteTamperer } from './support/sqlite-tamperer';
import {
  expectCustomTableToHoldTheTrail,
  expectCutTailToBeCaughtAgainstSavedHead,
  expectEarlierHeadToHoldAsTheTrailGrows,
  expectEscapedValuesToVerify,
  expectGapsAcrossPagesToBeCaught,
  expectRewriteAtEarlierHeadToBeCaught,
  expectUnescapedSpellingToBeCaught,
} from './support/verify-scenarios';

describe('audit trail on SQLite', () => {
  let dir: string;
  const apps: AuditApp[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-sqlite-'));
  });
  afterEach(async () => {
    for (const { app } of apps.splice(0)) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(options: AuditOptions = {}, path = join(dir, 'audit.db')): Promise<AuditApp> {
    const started = await startAuditApp({ store: new SqliteAuditStore({ path }), ...options });
    apps.push(started);
    return started;
  }

  async function stop(app: AuditApp): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.app.close();
  }

  function emitUsers(bus: AuditApp['bus'], count: number, from = 0): void {
    for (let i = from; i < from + count; i++)
      bus.emit(UserCreated, { id: `u${i}`, email: `u${i}@example.com` });
  }

  /** Opens the file the way an attacker with disk access would. */
  function tamperer(path = join(dir, 'audit.db')): Tamperer & { close(): void } {
    return sqliteTamperer(path);
  }

  /** Runs a shared scenario with a tamperer on the app's file, closing it afterwards. */
  async function withTamperer(run: (t: Tamperer) => Promise<void>, t = tamperer()): Promise<void> {
    try {
      await run(t);
    } finally {
      t.close();
    }
  }

  it('records audited events (definition audit: true, include patterns) and nothing else, as a valid chain', async () => {
    const { bus, audit } = await start({ include: ['order.*'] });
    bus.emit(
      UserCreated,
      { id: 'u1', email: 'a@example.com' },
      { actorId: 'admin-1', correlationId: 'req-1' },
    );
    bus.emit(PageViewed, { path: '/' });
    bus.emit('order.placed', { orderId: 'o1' });
    bus.emit('orders.other', { orderId: 'o2' });
    await audit.flush();
    const { records } = await audit.query();
    expect(records.map((r) => r.type)).toEqual(['user.created', 'order.placed']);
    expect(records[0]).toMatchObject({
      seq: 1,
      type: 'user.created',
      version: 1,
      correlationId: 'req-1',
      actorId: 'admin-1',
      causationId: null,
      source: 'audit-test',
      severity: 'info',
      data: { id: 'u1', email: 'a@example.com' },
      prevHash: '0'.repeat(64),
    });
    expect(records[1].prevHash).toBe(records[0].hash);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 2 });
  });

  it('creates the directory of the default-style path on first use', async () => {
    const nested = join(dir, 'a', 'b', 'audit.db');
    const { bus, audit } = await start({}, nested);
    bus.emit(UserDeleted, { id: 'u1' });
    await audit.flush();
    expect((await audit.query()).records).toHaveLength(1);
  });

  it('refuses to start with a clear error naming an unwritable path', async () => {
    // A regular file where a directory should be: not writable as a directory, even for root.
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'audit.db');
    const failing = startAuditApp({ store: new SqliteAuditStore({ path }) });
    await expect(failing).rejects.toThrow(AuditStoreError);
    await expect(failing).rejects.toThrow(path);
  });

  it('redacts nested secrets before handlers, history and the audit trail see them', async () => {
    const { bus, audit, seen } = await start();
    bus.emit(
      UserCreated,
      {
        id: 'u1',
        email: 'a@example.com',
        password: 'hunter2',
        profile: {
          accessToken: 'at',
          nested: [{ client_secret: 'cs', 'X-Api-Key': 'k', keep: 'visible' }],
          Authorization: 'Bearer x',
        },
      },
      { metadata: { headers: { cookie: 'sid=1' } } },
    );
    await audit.flush();
    const expected = {
      id: 'u1',
      email: 'a@example.com',
      password: '[REDACTED]',
      profile: {
        accessToken: '[REDACTED]',
        nested: [{ client_secret: '[REDACTED]', 'X-Api-Key': '[REDACTED]', keep: 'visible' }],
        Authorization: '[REDACTED]',
      },
    };
    expect((await audit.query()).records[0].data).toEqual(expected);
    expect(seen.events[0].data).toEqual(expected);
    expect(seen.events[0].metadata).toEqual({ headers: { cookie: '[REDACTED]' } });
    expect(bus.history({ type: 'user.created' })[0].data).toEqual(expected);
    const raw = new Database(join(dir, 'audit.db'), { readonly: true });
    const text = JSON.stringify(raw.prepare('SELECT * FROM audit_log').all());
    raw.close();
    expect(text).not.toMatch(/hunter2|Bearer x|"cs"|sid=1/);
  });

  it('uses the configured redaction words and marker', async () => {
    const { bus, audit } = await start({ redact: { keys: ['ssn'], marker: '***' } });
    bus.emit(UserCreated, { id: 'u1', email: 'e', password: 'now-kept', profile: { SSN: '123' } });
    await audit.flush();
    expect((await audit.query()).records[0].data).toEqual({
      id: 'u1',
      email: 'e',
      password: 'now-kept',
      profile: { SSN: '***' },
    });
  });

  it('batched mode: emit() returns before the write; flush() and app.close() write everything', async () => {
    const path = join(dir, 'audit.db');
    const first = await start({ batch: { maxSize: 50, maxDelayMs: 10_000 } });
    emitUsers(first.bus, 120);
    expect(first.audit.stats().buffered).toBeGreaterThan(0);
    await first.audit.flush();
    expect(first.audit.stats()).toMatchObject({ buffered: 0, written: 120 });
    emitUsers(first.bus, 7, 120);
    await stop(first);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 127 });
    db.close();
  });

  it('sync mode: the record is committed when emitAsync() resolves', async () => {
    const { bus } = await start({ durability: 'sync' });
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    try {
      for (let i = 0; i < 5; i++) {
        const { event } = await bus.emitAsync(UserCreated, { id: `u${i}`, email: 'e' });
        expect(db.prepare('SELECT seq FROM audit_log WHERE event_id = ?').get(event.id)).toEqual({
          seq: i + 1,
        });
      }
    } finally {
      db.close();
    }
  });

  it('a restart continues the chain', async () => {
    const first = await start();
    emitUsers(first.bus, 3);
    await stop(first);
    const second = await start();
    emitUsers(second.bus, 2, 3);
    await second.audit.flush();
    const { records } = await second.audit.query();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[3].prevHash).toBe(records[2].hash);
    await expect(second.audit.verify()).resolves.toMatchObject({ ok: true, checked: 5 });
  });

  it('filters by correlation id, type, actor and time, and pages with a cursor', async () => {
    const { bus, audit } = await start();
    for (let i = 0; i < 25; i++) {
      const context = { correlationId: i < 10 ? 'req-a' : 'req-b', actorId: i % 5 === 0 ? 'admin' : 'user' };
      if (i % 2) bus.emit(UserDeleted, { id: `u${i}` }, context);
      else bus.emit(UserCreated, { id: `u${i}`, email: 'e' }, context);
    }
    await audit.flush();
    expect((await audit.query({ correlationId: 'req-a', limit: 100 })).records).toHaveLength(10);
    expect((await audit.query({ type: 'user.deleted', limit: 100 })).records).toHaveLength(12);
    expect((await audit.query({ actorId: 'admin' })).records.map((r) => r.data)).toEqual(
      [0, 5, 10, 15, 20].map((i) => expect.objectContaining({ id: `u${i}` })),
    );
    const all = (await audit.query({ limit: 100 })).records;
    const middle = all[12].timestamp;
    const before = await audit.query({ to: middle, limit: 100 });
    const after = await audit.query({ from: middle, limit: 100 });
    expect(before.records.length + after.records.length).toBe(25);
    expect(before.records.every((r) => r.timestamp < middle)).toBe(true);

    const seqs: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await audit.query({ correlationId: 'req-b', limit: 4, cursor });
      seqs.push(...page.records.map((r) => r.seq));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seqs).toEqual(all.filter((r) => r.correlationId === 'req-b').map((r) => r.seq));
    expect(pages).toBe(4);
    await expect(audit.query({ cursor: 'nonsense' })).rejects.toThrow('cursor');
    await expect(audit.query({ limit: 0 })).rejects.toThrow('limit');
  });

  it('stores an oversized payload truncated, with a marker, instead of dropping it', async () => {
    const { bus, audit } = await start({ maxRecordBytes: 2048 });
    bus.emit(UserCreated, { id: 'big', email: 'x'.repeat(10_000) });
    await audit.flush();
    const [record] = (await audit.query()).records;
    const data = record.data as { $truncated: { originalBytes: number; preview: string } };
    expect(data.$truncated.originalBytes).toBeGreaterThan(10_000);
    expect(data.$truncated.preview.startsWith('{"email":"xxx')).toBe(true);
    expect(JSON.stringify(data).length).toBeLessThan(2048);
    expect(audit.stats().truncated).toBe(1);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 1 });
  });

  it('stores a payload with a lone surrogate (no canonical form) with U+FFFD instead, and the chain verifies', async () => {
    const { bus, audit } = await start();
    bus.emit(UserCreated, { id: 'odd\ud800', email: 'e' });
    await audit.flush();
    expect((await audit.query()).records[0].data).toEqual({ id: 'odd\ufffd', email: 'e' });
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 1 });
  });

  it('keeps a "__proto__" key as data when a lone surrogate is replaced in the same payload', async () => {
    const { bus, audit } = await start({ include: ['order.*'] });
    bus.emit('order.noted', JSON.parse('{"__proto__":{"admin":true},"note":"odd\\ud800"}'));
    await audit.flush();
    const [record] = (await audit.query()).records;
    expect(JSON.stringify(record.data)).toBe('{"__proto__":{"admin":true},"note":"odd\ufffd"}');
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 1 });
  });

  it('verifies records whose values hold quotes, backslashes or control characters', async () => {
    await expectEscapedValuesToVerify(await start({ include: ['order.*'] }));
  });

  it('catches values rewritten so that, written unescaped, they would spell the original record', async () => {
    const app = await start({ include: ['order.*'] });
    await withTamperer((t) => expectUnescapedSpellingToBeCaught(app, t));
  });

  it('verifies a chain of several pages and finds gaps at page boundaries and past the end', async () => {
    const app = await start();
    await withTamperer((t) => expectGapsAcrossPagesToBeCaught(app, t));
  });

  it('a head saved earlier still verifies after more records were appended', async () => {
    await expectEarlierHeadToHoldAsTheTrailGrows(await start());
  });

  it('the record at a saved head rewritten and re-chained: only the saved head catches it, at its seq', async () => {
    const app = await start();
    await withTamperer((t) => expectRewriteAtEarlierHeadToBeCaught(app, t));
  });

  it('a cut tail verifies alone but fails against a head saved before the cut', async () => {
    const app = await start();
    await withTamperer((t) => expectCutTailToBeCaughtAgainstSavedHead(app, t));
  });

  it('writes to and verifies the table it is given', async () => {
    const path = join(dir, 'audit.db');
    const started = await startAuditApp({ store: new SqliteAuditStore({ path, table: 'custom_trail' }) });
    apps.push(started);
    await withTamperer(
      (t) => expectCustomTableToHoldTheTrail(started, t),
      Object.assign(tamperer(path), { table: 'custom_trail' }),
    );
  });

  it('keeps its file in WAL mode, as another connection to the file sees it', async () => {
    await start();
    const other = new Database(join(dir, 'audit.db'), { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  describe('tampering: verify() fails and names the first bad seq', () => {
    let app: AuditApp;
    let t: ReturnType<typeof tamperer>;

    beforeEach(async () => {
      app = await start();
      emitUsers(app.bus, 10);
      await app.audit.flush();
      expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 10 });
      t = tamperer();
    });
    afterEach(() => t.close());

    it('a changed record', async () => {
      await changeData(t, 4);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4, checked: 3 });
    });

    it('a deleted record', async () => {
      await deleteRow(t, 6);
      const result = await app.audit.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: 6 });
      expect(result.reason).toContain('missing');
    });

    it('two swapped records', async () => {
      await swapRows(t, 3, 8);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
    });

    it('a forged record inserted in the middle (bad hash: caught at the forged row)', async () => {
      await insertForged(t, 5, false);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5 });
    });

    it('a forged record inserted in the middle (well-formed: caught at the displaced row after it)', async () => {
      await insertForged(t, 5, true);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    });

    it('a suffix rewritten with recomputed hashes but a wrong link', async () => {
      await rewriteSuffix(t, 7, false);
      const result = await app.audit.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: 7 });
      expect(result.reason).toContain('link');
    });

    it('a fully re-chained suffix is only caught against a head kept elsewhere', async () => {
      const head = await app.audit.head();
      expect(head).toMatchObject({ seq: 10 });
      await rewriteSuffix(t, 7, true);
      expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 10 });
      expect(await app.audit.verify({ expectedHead: head })).toMatchObject({ ok: false, firstBadSeq: 10 });
    });
  });
});
