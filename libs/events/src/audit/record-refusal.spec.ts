import { AuditRecordRefusedError } from '../errors/audit-record-refused.error';
import { CanonicalJsonError } from '../errors/canonical-json.error';
import type { AuditEntry } from './audit.interfaces';
import { isRecordRefusal, placeholderEntry, sanitizeEntry } from './record-refusal';

const entry: AuditEntry = {
  eventId: '0190b4f2-8e1c-7a3b-8c4d-1234567890ab',
  type: 'user.created',
  version: 1,
  timestamp: '2026-01-31T12:00:00.000Z',
  correlationId: 'req-1',
  causationId: null,
  actorId: 'alice',
  source: 'app',
  severity: 'info',
  data: '{"id":"u1"}',
};

describe('record refusal', () => {
  it('leaves a clean entry as it is, and sanitises the envelope strings of one that is not', () => {
    expect(sanitizeEntry(entry)).toEqual({ entry, changed: [] });
    expect(sanitizeEntry(entry).entry).toBe(entry);
    const { entry: clean, changed } = sanitizeEntry({ ...entry, actorId: 'a\ud800', source: 'b\u0000' });
    expect(changed).toEqual(['source', 'actorId']);
    expect(clean).toMatchObject({ actorId: 'a\ufffd', source: 'b\ufffd', data: entry.data });
  });

  it.each([
    [new AuditRecordRefusedError('no'), true],
    [new CanonicalJsonError('lone surrogate'), true],
    [Object.assign(new Error('invalid byte sequence'), { code: '22021' }), true],
    [Object.assign(new Error('out of range'), { code: '22003' }), true],
    [Object.assign(new Error('not null'), { code: '23502' }), true],
    [Object.assign(new Error('index row too big'), { code: '54000' }), true],
    [Object.assign(new Error('too big'), { code: 'SQLITE_TOOBIG' }), true],
    [Object.assign(new Error('not null'), { code: 'SQLITE_CONSTRAINT_NOTNULL' }), true],
    // A unique event id is the store's own retry path; the others are a failing store, to retry.
    [Object.assign(new Error('duplicate'), { code: '23505' }), false],
    [Object.assign(new Error('duplicate'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }), false],
    [Object.assign(new Error('locked'), { code: 'SQLITE_BUSY' }), false],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), false],
    [Object.assign(new Error('lock timeout'), { code: '55P03' }), false],
    [new Error('database is down'), false],
    ['a string', false],
    [null, false],
  ])('tells a refused record from a failing store: %s', (error, refusal) => {
    expect(isRecordRefusal(error)).toBe(refusal);
  });

  it('makes a writable placeholder that keeps the event id, the version and the reason', () => {
    const placeholder = placeholderEntry(
      { ...entry, version: 3_000_000_000, actorId: 'x\u0000' },
      'out of range',
    );
    expect(placeholder).toMatchObject({ eventId: entry.eventId, version: 1, actorId: 'x\ufffd' });
    expect(JSON.parse(placeholder.data)).toEqual({
      $refused: { reason: 'out of range', version: 3_000_000_000 },
    });
    const long = placeholderEntry(entry, 'why '.repeat(500) + '\ud800');
    expect((JSON.parse(long.data) as { $refused: { reason: string } }).$refused.reason.length).toBe(500);
  });
});
