import type { AuditApp } from '../fixtures/audit-app.fixture';
import { UserCreated } from '../fixtures/audit-app.fixture';
import { deleteRow, type Tamperer } from './tamper';

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
