import { createServer, type Server, type Socket } from 'node:net';
import { AuditStoreError, PostgresAuditStore, type AuditOptions } from 'nestjs-event-bus';
import { UserCreated, UserDeleted, startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import {
  changeData,
  deleteRow,
  insertForged,
  rewriteSuffix,
  swapRows,
  type Tamperer,
} from './support/tamper';
import {
  emitUsers,
  expectCustomTableToHoldTheTrail,
  expectCutTailToBeCaughtAgainstSavedHead,
  expectEarlierHeadToHoldAsTheTrailGrows,
  expectEscapedValuesToVerify,
  expectGapsAcrossPagesToBeCaught,
  expectRewriteAtEarlierHeadToBeCaught,
  expectUnescapedSpellingToBeCaught,
} from './support/verify-scenarios';
import { postgresAuditSuite } from './support/postgres-suite';

describePostgres('audit trail on PostgreSQL', () => {
  const pg = postgresAuditSuite('audit_test');

  async function start(options: AuditOptions = {}, source = 'audit-test', table?: string): Promise<AuditApp> {
    const store = new PostgresAuditStore({ connectionString: DATABASE_URL, schema: pg.schema, table });
    const started = await startAuditApp({ store, ...options }, { source });
    pg.apps.push(started);
    return started;
  }

  const tamperer = (table = 'audit_log'): Tamperer => ({
    table: `"${pg.schema}".${table}`,
    exec: async (sql, params = []) => {
      let n = 0;
      return (
        await pg.admin.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows;
    },
  });

  it('creates its schema, table and indexes idempotently and records audited events as a valid chain', async () => {
    const { bus, audit } = await start();
    bus.emit(UserCreated, { id: 'u1', email: 'e' }, { actorId: 'admin', correlationId: 'req-1' });
    bus.emit(UserDeleted, { id: 'u1' }, { correlationId: 'req-1' });
    await audit.flush();
    const { records } = await audit.query({ correlationId: 'req-1' });
    expect(records.map((r) => [r.seq, r.type, r.severity])).toEqual([
      [1, 'user.created', 'info'],
      [2, 'user.deleted', 'warning'],
    ]);
    const indexes = await pg.admin.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [
      pg.schema,
    ]);
    expect(indexes.rows.length).toBeGreaterThanOrEqual(5);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 2 });
  });

  it('filters by correlation id, type, actor and time, and pages with a cursor', async () => {
    const { bus, audit } = await start();
    for (let i = 0; i < 12; i++) {
      const context = {
        correlationId: i < 5 ? 'req-a' : 'req-b',
        actorId: i % 4 === 0 ? 'admin' : 'user',
      };
      if (i % 3 === 0) bus.emit(UserDeleted, { id: `u${i}` }, context);
      else bus.emit(UserCreated, { id: `u${i}`, email: 'e"\\\n\u2028' }, context);
    }
    await audit.flush();
    const all = (await audit.query({ limit: 100 })).records;
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(all[1].data).toEqual({ id: 'u1', email: 'e"\\\n\u2028' });
    expect((await audit.query({ correlationId: 'req-a' })).records).toHaveLength(5);
    expect((await audit.query({ type: 'user.deleted' })).records.map((r) => r.seq)).toEqual([1, 4, 7, 10]);
    expect(
      (await audit.query({ actorId: 'admin', correlationId: 'req-b' })).records.map((r) => r.seq),
    ).toEqual([9]);
    const middle = all[6].timestamp;
    const before = (await audit.query({ to: middle })).records;
    const after = (await audit.query({ from: middle })).records;
    expect(before.length + after.length).toBe(12);
    expect(after.every((r) => r.timestamp >= middle)).toBe(true);
    const seqs: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.query({ correlationId: 'req-b', limit: 3, cursor });
      seqs.push(...page.records.map((r) => r.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seqs).toEqual([6, 7, 8, 9, 10, 11, 12]);
    expect((await audit.query({ type: 'nothing.here' })).records).toEqual([]);
  });

  it('a restart continues the chain (and the DDL runs again harmlessly)', async () => {
    const first = await start();
    for (let i = 0; i < 3; i++) first.bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
    pg.apps.splice(pg.apps.indexOf(first), 1);
    await first.app.close();
    const second = await start();
    await second.bus.emitAsync(UserCreated, { id: 'u3', email: 'e' });
    await second.audit.flush();
    expect((await second.audit.query()).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    await expect(second.audit.verify()).resolves.toMatchObject({ ok: true, checked: 4 });
  });

  it('sync mode: committed when emitAsync() resolves', async () => {
    const { bus } = await start({ durability: 'sync' });
    const { event } = await bus.emitAsync(UserCreated, { id: 'u1', email: 'e' });
    const found = await pg.admin.query(`SELECT seq FROM "${pg.schema}".audit_log WHERE event_id = $1`, [
      event.id,
    ]);
    expect(found.rows).toEqual([{ seq: '1' }]);
  });

  it('four app instances writing at once make one linear chain with no gaps', async () => {
    const instances = await Promise.all(
      [0, 1, 2, 3].map((n) => start({ batch: { maxSize: 25, maxDelayMs: 1 } }, `instance-${n}`)),
    );
    const perInstance = 400;
    const emitted: string[] = [];
    await Promise.all(
      instances.map(async ({ bus }, n) => {
        for (let i = 0; i < perInstance; i++) {
          emitted.push(bus.emit(UserCreated, { id: `i${n}-${i}`, email: 'e' }).id);
          if (i % 20 === 0) await new Promise((r) => setImmediate(r));
        }
      }),
    );
    await Promise.all(instances.map(({ audit }) => audit.flush()));
    const rows = await pg.admin.query<{ seq: string; event_id: string; source: string }>(
      `SELECT seq, event_id, source FROM "${pg.schema}".audit_log ORDER BY seq`,
    );
    expect(rows.rows.map((r) => Number(r.seq))).toEqual(
      Array.from({ length: 4 * perInstance }, (_, i) => i + 1),
    );
    expect(new Set(rows.rows.map((r) => r.event_id))).toEqual(new Set(emitted));
    // The instances really interleaved: their records are mixed in the chain, not one block each.
    const switches = rows.rows.filter((r, i) => i > 0 && r.source !== rows.rows[i - 1].source).length;
    expect(switches).toBeGreaterThan(3);
    await expect(instances[0].audit.verify()).resolves.toMatchObject({
      ok: true,
      checked: 4 * perInstance,
    });
  }, 60_000);

  it('reads back actors that are null or spelled like the null marker exactly, and verifies them', async () => {
    const { bus, audit } = await start();
    bus.emit(UserCreated, { id: 'u1', email: 'e' }, { actorId: 'n', correlationId: 'req-1' });
    bus.emit(UserCreated, { id: 'u2', email: 'e' }, { actorId: 'sn', correlationId: 'req-1' });
    bus.emit(UserCreated, { id: 'u3', email: 'e' }, { correlationId: 'req-1' });
    await audit.flush();
    const { records } = await audit.query({ correlationId: 'req-1' });
    expect(records.map((r) => [r.seq, r.actorId, r.causationId])).toEqual([
      [1, 'n', null],
      [2, 'sn', null],
      [3, null, null],
    ]);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 3 });
  });

  it('reads back values holding control characters exactly, and verifies them', async () => {
    const { bus, audit } = await start({}, 'src\x1erecord\x1ffield');
    bus.emit(UserCreated, { id: 'u1', email: '\x1e\x1f' }, { correlationId: 'req-1' });
    bus.emit(UserCreated, { id: 'u2', email: 'e' }, { correlationId: 'req-1' });
    await audit.flush();
    const { records } = await audit.query({ correlationId: 'req-1' });
    expect(records.map((r) => [r.seq, r.source])).toEqual([
      [1, 'src\x1erecord\x1ffield'],
      [2, 'src\x1erecord\x1ffield'],
    ]);
    expect(records[0].data).toEqual({ id: 'u1', email: '\x1e\x1f' });
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 2 });
  });

  it('verifies records whose values hold quotes, backslashes or control characters', async () => {
    await expectEscapedValuesToVerify(await start({ include: ['order.*'] }));
  });

  it('catches values rewritten so that, written unescaped, they would spell the original record', async () => {
    await expectUnescapedSpellingToBeCaught(await start({ include: ['order.*'] }), tamperer());
  });

  it('verifies a chain of several pages and finds gaps at page boundaries and past the end', async () => {
    await expectGapsAcrossPagesToBeCaught(await start(), tamperer());
  }, 30_000);

  it('a head saved earlier still verifies after more records were appended', async () => {
    await expectEarlierHeadToHoldAsTheTrailGrows(await start());
  });

  it('the record at a saved head rewritten and re-chained: only the saved head catches it, at its seq', async () => {
    await expectRewriteAtEarlierHeadToBeCaught(await start(), tamperer());
  });

  it('a cut tail verifies alone but fails against a head saved before the cut', async () => {
    await expectCutTailToBeCaughtAgainstSavedHead(await start(), tamperer());
  });

  it('writes to and verifies the table it is given, and creates no audit_log', async () => {
    await expectCustomTableToHoldTheTrail(
      await start({}, 'audit-test', 'custom_trail'),
      tamperer('custom_trail'),
    );
    const tables = await pg.admin.query<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = $1',
      [pg.schema],
    );
    expect(tables.rows).toEqual([{ tablename: 'custom_trail' }]);
  });

  it('verify() while another instance keeps appending: no false alarm, and at least what was there is checked', async () => {
    const reader = await start();
    await emitUsers(reader, 9_000);
    const writer = await start();
    let writing = true;
    const appending = (async () => {
      for (let round = 0; writing || round < 3; round++) await emitUsers(writer, 500, 100_000 + round * 500);
    })();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await reader.audit.verify());
    writing = false;
    await appending;
    for (const result of results) expect(result).toMatchObject({ ok: true });
    expect(results[0].checked).toBeGreaterThanOrEqual(9_000);
    expect(await reader.audit.verify()).toMatchObject({
      ok: true,
      checked: (await reader.audit.head())?.seq,
    });
  }, 60_000);

  describe('tampering: verify() fails and names the first bad seq', () => {
    let app: AuditApp;
    beforeEach(async () => {
      app = await start();
      for (let i = 0; i < 10; i++) app.bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
      await app.audit.flush();
      expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 10 });
    });

    it('a changed record', async () => {
      await changeData(tamperer(), 4);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    });
    it('a null actor replaced by a string spelled like a null', async () => {
      await pg.admin.query(`UPDATE "${pg.schema}".audit_log SET actor_id = 'n' WHERE seq = 3`);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
    });
    it('a value given a field separator', async () => {
      await pg.admin.query(`UPDATE "${pg.schema}".audit_log SET type = type || E'\\x1f' WHERE seq = 8`);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 8 });
    });
    it('a deleted record', async () => {
      await deleteRow(tamperer(), 6);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    });
    it('two swapped records', async () => {
      await swapRows(tamperer(), 2, 9);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
    });
    it('a forged record inserted in the middle', async () => {
      await insertForged(tamperer(), 5, false);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5 });
    });
    it('a well-formed forged record inserted in the middle (caught at the displaced row)', async () => {
      await insertForged(tamperer(), 5, true);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    });
    it('a suffix rewritten with recomputed hashes but a wrong link', async () => {
      await rewriteSuffix(tamperer(), 7, false);
      expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 7 });
    });
    it('a re-chained suffix is only caught against an expected head', async () => {
      const head = await app.audit.head();
      await rewriteSuffix(tamperer(), 7, true);
      expect(await app.audit.verify()).toMatchObject({ ok: true });
      expect(await app.audit.verify({ expectedHead: head })).toMatchObject({ ok: false, firstBadSeq: 10 });
    });
  });
});

// Needs no server: these run whether PostgreSQL is up or not.
describe('audit trail on PostgreSQL', () => {
  describe('unreachable at boot', () => {
    /** Well past the default connectionTimeoutMillis (5 s): failing under it shows the boot gave up, not hung. */
    const NOT_A_HANG_MS = 8_000;

    /** Boots an app on `connectionString` and returns what the boot failed with, and after how long. */
    async function bootFailure(connectionString: string): Promise<{ error: unknown; elapsedMs: number }> {
      const started = performance.now();
      const error = await startAuditApp({ store: new PostgresAuditStore({ connectionString }) }).then(
        () => {
          throw new Error('the app booted, but the audit database is unreachable');
        },
        (failure: unknown) => failure,
      );
      return { error, elapsedMs: performance.now() - started };
    }

    it('fails fast with an AuditStoreError naming host and port when the port refuses connections', async () => {
      const { error, elapsedMs } = await bootFailure('postgres://postgres@127.0.0.1:1/test');
      expect(error).toBeInstanceOf(AuditStoreError);
      expect((error as AuditStoreError).message).toContain('127.0.0.1:1');
      expect(elapsedMs).toBeLessThan(NOT_A_HANG_MS);
    });

    it('gives up after the default connectionTimeoutMillis with an AuditStoreError naming host and port, when the server never answers', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      try {
        const { error, elapsedMs } = await bootFailure(`postgres://postgres@127.0.0.1:${port}/test`);
        expect(error).toBeInstanceOf(AuditStoreError);
        expect((error as AuditStoreError).message).toContain(`127.0.0.1:${port}`);
        expect(elapsedMs).toBeLessThan(NOT_A_HANG_MS);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });
});
