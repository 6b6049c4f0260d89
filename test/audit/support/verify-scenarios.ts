import type { AuditHead } from 'nestjs-event-bus';
import type { AuditApp } from '../fixtures/audit-app.fixture';
import { UserCreated } from '../fixtures/audit-app.fixture';
import { changeData, deleteRow, rewriteSuffix, type Tamperer } from './tamper';

// verify() scenarios that both SQL stores must pass the same way: each builds the text it hashes in the database
// and checks it in pages of 5,000 records, so what differs between them is only how they are reached.

/** Emits `count` audited events, flushing as it goes so the writer's buffer never fills. */
export async function emitUsers(app: AuditApp, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    app.bus.emit(UserCreated, { id: `u${i}`, email: `u${i}@example.com` });
    if (i % 2000 === 1999) await app.audit.flush();
  }
  await app.audit.flush();
}

/** Values that the database cannot write unescaped still verify (checked from their values instead). */
export async function expectEscapedValuesToVerify(app: AuditApp): Promise<void> {
  const { bus, audit } = app;
  bus.emit(UserCreated, { id: 'u1', email: 'e' }, { actorId: 'quote"d' });
  bus.emit(UserCreated, { id: 'u2', email: 'e' }, { actorId: 'back\\slash' });
  bus.emit(UserCreated, { id: 'u3', email: 'e' }, { actorId: 'tab\tand\u0001' });
  bus.emit('order.placed', { a: 1, eventId: 'z' });
  await emitUsers(app, 2);
  const { records } = await audit.query();
  expect(records.map((r) => r.actorId)).toEqual([
    'quote"d',
    'back\\slash',
    'tab\tand\u0001',
    null,
    null,
    null,
  ]);
  expect(await audit.verify()).toEqual({ ok: true, checked: 6, head: expect.anything() });
}

/**
 * Values rewritten so that, pasted between plain quotes, they spell the very text that was hashed: the database's
 * text must not be trusted for them. Needs `order.*` audited.
 */
export async function expectUnescapedSpellingToBeCaught(app: AuditApp, t: Tamperer): Promise<void> {
  const { bus, audit } = app;
  await emitUsers(app, 2);
  bus.emit('order.placed', { a: 1, eventId: 'z' });
  await emitUsers(app, 2, 2);
  expect(await audit.verify()).toMatchObject({ ok: true, checked: 5 });
  const [row] = (await t.exec(`SELECT event_id, data FROM ${t.table} WHERE seq = 3`)) as {
    event_id: string;
    data: string;
  }[];
  expect(row.data).toBe('{"a":1,"eventId":"z"}');
  // Between plain quotes, '{"a":1' and 'z"},"eventId":"<id>' give back the very text that was hashed.
  await t.exec(`UPDATE ${t.table} SET data = ?, event_id = ? WHERE seq = 3`, [
    '{"a":1',
    `z"},"eventId":"${row.event_id}`,
  ]);
  expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
}

/**
 * A chain of three pages verifies whole; a record missing at a page's last or first place, or a record written far
 * past the end, is reported where the chain breaks.
 */
export async function expectGapsAcrossPagesToBeCaught(app: AuditApp, t: Tamperer): Promise<void> {
  const { audit } = app;
  await emitUsers(app, 10_001);
  expect(await audit.verify()).toMatchObject({ ok: true, checked: 10_001 });

  await t.exec(
    `INSERT INTO ${t.table} (seq, event_id, type, version, timestamp, correlation_id, causation_id, actor_id, ` +
      `source, severity, data, prev_hash, hash) SELECT 1000000, 'far-' || event_id, type, version, timestamp, ` +
      `correlation_id, causation_id, actor_id, source, severity, data, prev_hash, hash FROM ${t.table} WHERE seq = ?`,
    [10_001],
  );
  const far = await audit.verify();
  expect(far).toMatchObject({ ok: false, firstBadSeq: 10_002, checked: 10_001 });
  expect(far.reason).toContain('missing');

  await deleteRow(t, 10_000);
  expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 10_000, checked: 9_999 });
  await deleteRow(t, 5_001);
  expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5_001, checked: 5_000 });
  await deleteRow(t, 5_000);
  expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5_000, checked: 4_999 });
}

/** 10 records with the head saved at 5, as a daily job would keep it. */
async function trailWithHeadSavedAtFive(app: AuditApp): Promise<AuditHead> {
  await emitUsers(app, 5);
  const saved = await app.audit.head();
  expect(saved).toMatchObject({ seq: 5 });
  await emitUsers(app, 5, 5);
  return saved!;
}

/** A head saved earlier still holds after the trail grew past it. */
export async function expectEarlierHeadToHoldAsTheTrailGrows(app: AuditApp): Promise<void> {
  const expectedHead = await trailWithHeadSavedAtFive(app);
  expect(await app.audit.verify({ expectedHead })).toEqual({
    ok: true,
    checked: 10,
    head: await app.audit.head(),
  });
}

/**
 * The record at the saved head's seq rewritten, with every hash from there recomputed: the chain is intact, so
 * only the saved head catches it, at its own seq.
 */
export async function expectRewriteAtEarlierHeadToBeCaught(app: AuditApp, t: Tamperer): Promise<void> {
  const expectedHead = await trailWithHeadSavedAtFive(app);
  await rewriteSuffix(t, 5, true);
  expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 10 });
  const result = await app.audit.verify({ expectedHead });
  expect(result).toMatchObject({ ok: false, firstBadSeq: 5, checked: 10 });
  expect(result.reason).toContain('the chain was rewritten');
}

/** Records cut off the end leave a valid, shorter chain: only a head kept elsewhere catches it, even when all are gone. */
export async function expectCutTailToBeCaughtAgainstSavedHead(app: AuditApp, t: Tamperer): Promise<void> {
  await emitUsers(app, 10);
  const expectedHead = await app.audit.head();
  await deleteRow(t, 10);
  await deleteRow(t, 9);
  expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 8 });
  const cut = await app.audit.verify({ expectedHead });
  expect(cut).toMatchObject({ ok: false, firstBadSeq: 9, checked: 8 });
  expect(cut.reason).toContain('removed from the end');

  await t.exec(`DELETE FROM ${t.table}`);
  expect(await app.audit.verify()).toEqual({ ok: true, checked: 0, head: undefined });
  expect(await app.audit.verify({ expectedHead })).toMatchObject({ ok: false, firstBadSeq: 1, checked: 0 });
}

/** A store given its own table name writes there, and verify() reads that table. `t.table` is that table. */
export async function expectCustomTableToHoldTheTrail(app: AuditApp, t: Tamperer): Promise<void> {
  await emitUsers(app, 3);
  const rows = (await t.exec(`SELECT seq, event_id FROM ${t.table} ORDER BY seq`)) as {
    seq: number | string;
    event_id: string;
  }[];
  const { records } = await app.audit.query();
  expect(rows.map((r) => [Number(r.seq), r.event_id])).toEqual(records.map((r) => [r.seq, r.eventId]));
  expect(rows).toHaveLength(3);
  expect(await app.audit.verify()).toMatchObject({ ok: true, checked: 3 });
  await changeData(t, 2);
  expect(await app.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
}
