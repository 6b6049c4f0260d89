import { createHmac } from 'node:crypto';
import {
  canonicalRow,
  chainEntries,
  ChainChecker,
  GENESIS_HASH,
  hashRow,
  unrecordedEntries,
} from './audit-chain';
import type { AuditEntry } from './audit.interfaces';
import { CanonicalJsonError } from '../errors/canonical-json.error';
import { canonicalJson } from '../event/json/canonical-json';
import { deepFreeze, normalizePayload } from '../event/json/json-payload';

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  eventId: `0190000-${n}`,
  type: 'user.created',
  version: 1,
  timestamp: '2026-01-01T00:00:00.000Z',
  correlationId: 'c\u20ac"1',
  causationId: null,
  actorId: n % 2 ? 'actor' : null,
  source: 'app',
  severity: 'info',
  data: canonicalJson({ b: [1, 2.5, 'x\n'], a: { n } }),
  ...extra,
});

/** The entry's string fields: each is written between quotes, escaped when it needs it. */
const STRING_FIELDS = [
  'eventId',
  'type',
  'timestamp',
  'correlationId',
  'causationId',
  'actorId',
  'source',
  'severity',
] as const;

describe('the audit chain', () => {
  it('hashes a normalised payload exactly as it did before canonicalJson() started rejecting non-plain values', () => {
    // What the audit writer gets: an event's data as the bus built it, a frozen plain copy of the payload.
    const { value } = normalizePayload({
      user: { id: 'u-1', email: 'ada@example.com', roles: ['admin'] },
      total: 12.5,
      note: 'caf\u00e9 "x"\n',
      none: null,
      ok: true,
      dropped: undefined,
    });
    const data = canonicalJson(deepFreeze(value));
    const rows = chainEntries(
      undefined,
      [1, 2].map((n) => ({
        ...entry(n),
        correlationId: 'req-1',
        causationId: n === 2 ? '0190000-1' : null,
        actorId: 'u-7',
        data,
      })),
    );
    // Computed with the code before that change (commit 16bd564).
    expect(rows.map((row) => row.hash)).toEqual([
      '79015b839caccd88e1cab00b3901c312e65eecf569526f784d0efec55d9f23f4',
      'ade8a1e1d6cf816537fa5e58f9252c3bfbec2f331c79ff4088e139d870d68956',
    ]);
  });

  it('serializes a row exactly as RFC 8785 canonical JSON of the whole record would', () => {
    const rows = chainEntries(undefined, [
      entry(1, { causationId: 'cause' }),
      entry(2, { correlationId: 'plain', source: 'tab\there' }),
      entry(3, { correlationId: 'plain', actorId: 'back\\slash' }),
      entry(4, { correlationId: 'plain', causationId: '\ud83d\ude00 \u2028' }),
      entry(5, { correlationId: 'plain' }),
    ]);
    for (const { hash: _hash, keyId: _keyId, ...withoutHash } of rows) {
      expect(canonicalRow({ ...withoutHash, keyId: null })).toBe(
        canonicalJson({ ...withoutHash, data: JSON.parse(withoutHash.data) }),
      );
    }
    expect(() => canonicalRow({ ...rows[4], type: 'lone \ud800' })).toThrow(CanonicalJsonError);
  });

  it.each([...STRING_FIELDS, 'prevHash'] as const)(
    'escapes %s alone when it needs it, short or long, and rejects a lone surrogate in it',
    (field) => {
      const [row] = chainEntries(undefined, [entry(1, { correlationId: 'plain', causationId: 'cause' })]);
      const { hash: _hash, keyId: _keyId, ...fields } = row;
      const plain = { ...fields, keyId: null };
      const canonical = (value: string) =>
        canonicalJson({ ...fields, [field]: value, data: JSON.parse(plain.data) });
      for (const value of [
        'q"',
        'x'.repeat(15) + '\\',
        'x'.repeat(16) + '\n',
        '\ud83d\ude00',
        'x'.repeat(20) + '\ud83d\ude00',
      ]) {
        expect(canonicalRow({ ...plain, [field]: value })).toBe(canonical(value));
      }
      expect(canonicalRow({ ...plain, [field]: 'x'.repeat(14) + '\t' })).toBe(
        canonicalRow(plain).replace(`"${field}":"${plain[field]}"`, `"${field}":"xxxxxxxxxxxxxx\\t"`),
      );
      for (const value of ['\ud800', 'x'.repeat(20) + '\udc00']) {
        expect(() => canonicalRow({ ...plain, [field]: value })).toThrow(CanonicalJsonError);
      }
    },
  );

  it('writes a row without escapes as plain quoted values', () => {
    const [row] = chainEntries(undefined, [
      entry(1, { correlationId: 'corr-1', causationId: 'cause-1', data: '{"a":1}' }),
    ]);
    const { hash: _hash, ...plain } = row;
    expect(canonicalRow(plain)).toBe(
      '{"actorId":"actor","causationId":"cause-1","correlationId":"corr-1","data":{"a":1},' +
        `"eventId":"0190000-1","prevHash":"${GENESIS_HASH}","seq":1,"severity":"info","source":"app",` +
        '"timestamp":"2026-01-01T00:00:00.000Z","type":"user.created","version":1}',
    );
  });

  it('links each record to the one before, starting from the genesis hash', () => {
    const rows = chainEntries(undefined, [entry(1), entry(2), entry(3)]);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rows[0].prevHash).toBe(GENESIS_HASH);
    expect(rows[1].prevHash).toBe(rows[0].hash);
    expect(rows[2].hash).toBe(hashRow({ ...rows[2] }));
    const more = chainEntries({ seq: 3, hash: rows[2].hash }, [entry(4)]);
    expect(more[0]).toMatchObject({ seq: 4, prevHash: rows[2].hash });
  });

  it('hashes every record of a batch over its canonical JSON, whatever the records before it held', () => {
    // Plain and escaped values take turns in each field, repeated and not, so a value seen before in the batch
    // is only taken as plain when it was.
    const batch: AuditEntry[] = [];
    const values = ['plain', 'plain', 'q"', 'q"', 'plain', 'tab\t', 'x'.repeat(20) + '\\'];
    for (const field of STRING_FIELDS) {
      for (const value of values) {
        batch.push(entry(batch.length + 1, { correlationId: 'corr', [field]: value }));
      }
    }
    // Two fields changing at once, one to a new plain value and the other to a value that needs escaping.
    for (const plainField of STRING_FIELDS) {
      for (const escapedField of STRING_FIELDS.filter((f) => f !== plainField)) {
        for (const n of [1, 2]) {
          batch.push(entry(batch.length + 1, { [plainField]: `plain-${n}`, [escapedField]: 'q"' }));
        }
      }
    }
    const rows = chainEntries(undefined, batch);
    for (const { hash, keyId, ...fields } of rows) {
      expect(canonicalRow({ ...fields, keyId })).toBe(
        canonicalJson({ ...fields, data: JSON.parse(fields.data) }),
      );
      expect(hash).toBe(hashRow({ ...fields, keyId }));
    }
  });

  it('escapes a head hash read back from the store when it is not a hex digest', () => {
    const head = { seq: 7, hash: 'not "hex"' };
    const [row] = chainEntries(head, [entry(8, { correlationId: 'corr' })]);
    expect(row.prevHash).toBe(head.hash);
    expect(row.hash).toBe(hashRow(row));
    expect(canonicalRow(row)).toContain('"prevHash":"not \\"hex\\""');
  });

  it('the checker accepts an intact chain and names the first bad record otherwise', () => {
    const rows = chainEntries(
      undefined,
      [1, 2, 3, 4].map((n) => entry(n)),
    );
    const ok = new ChainChecker();
    expect(rows.map((r) => ok.check(r))).toEqual([undefined, undefined, undefined, undefined]);
    expect(ok.head).toEqual({ seq: 4, hash: rows[3].hash });

    const changed = new ChainChecker();
    const tampered = [...rows];
    tampered[2] = { ...rows[2], actorId: 'someone-else' };
    expect(tampered.map((r) => changed.check(r)).find(Boolean)).toMatchObject({ seq: 3 });

    const gap = new ChainChecker();
    expect([rows[0], rows[2]].map((r) => gap.check(r)).find(Boolean)).toMatchObject({ seq: 2 });
  });
  it('checkText() accepts the hash input of the next record and refuses anything else without moving on', () => {
    const rows = chainEntries(undefined, [entry(1), entry(2)]);
    const text = (row: (typeof rows)[number], prevHash = row.prevHash) => prevHash + canonicalRow(row);
    const checker = new ChainChecker();
    expect(checker.checkText(2, text(rows[1]), rows[1].hash)).toBe(false);
    expect(checker.checkText(1, null, rows[0].hash)).toBe(false);
    expect(checker.checkText(1, text(rows[0]), rows[1].hash)).toBe(false);
    expect(checker.checkText(1, text(rows[0], GENESIS_HASH + '0'), rows[0].hash)).toBe(false);
    expect(checker.checked).toBe(0);
    expect(checker.checkText(1, text(rows[0]), rows[0].hash)).toBe(true);
    expect(checker.checkText(2, text(rows[1], GENESIS_HASH), rows[1].hash)).toBe(false);
    expect(checker.checkText(2, text(rows[1]), rows[1].hash)).toBe(true);
    expect(checker.head).toEqual({ seq: 2, hash: rows[1].hash });
  });

  describe('keyed', () => {
    const key = { id: 'k1', secret: Buffer.alloc(32, 7) };
    const keyring = { keys: new Map([['k1', key.secret]]), unkeyedUpTo: 0 };

    it('makes each hash an HMAC-SHA256 of the same input with the key, and stores the key id', () => {
      const rows = chainEntries(undefined, [entry(1), entry(2)], key);
      expect(rows.map((r) => r.keyId)).toEqual(['k1', 'k1']);
      const expected = createHmac('sha256', key.secret)
        .update(rows[1].prevHash + canonicalRow(rows[1]))
        .digest('hex');
      expect(rows[1].hash).toBe(expected);
      expect(rows[1].hash).not.toBe(hashRow(rows[1]));
      const checker = new ChainChecker(keyring);
      expect(rows.map((r) => checker.check(r))).toEqual([undefined, undefined]);
    });

    it('refuses an unkeyed record past unkeyedUpTo, a record of an unknown key, and a forged keyed hash', () => {
      const plain = chainEntries(undefined, [entry(1), entry(2)]);
      expect(new ChainChecker(keyring).check(plain[0])).toMatchObject({ seq: 1, reason: /is not keyed/ });
      const legacy = new ChainChecker({ ...keyring, unkeyedUpTo: 1 });
      expect(legacy.check(plain[0])).toBeUndefined();
      expect(legacy.check(plain[1])).toMatchObject({ seq: 2, reason: /is not keyed/ });
      const other = chainEntries(undefined, [entry(1)], { id: 'k2', secret: Buffer.alloc(32, 9) });
      expect(new ChainChecker(keyring).check(other[0])).toMatchObject({ reason: /key "k2", which this app/ });
      // A forger who knows the algorithm but not the secret: plain sha256 labelled with the key id.
      const forged = { ...plain[0], keyId: 'k1' };
      expect(new ChainChecker(keyring).check(forged)).toMatchObject({ seq: 1, reason: /was changed/ });
      const text = forged.prevHash + canonicalRow(forged);
      expect(new ChainChecker(keyring).checkText(1, text, forged.hash, 'k1')).toBe(false);
    });
  });
});

describe('unrecordedEntries', () => {
  it('keeps the first entry of each event the store does not have, in order', () => {
    const batch = [entry(1), entry(2), entry(1, { timestamp: 'later' }), entry(3), entry(2)];
    const fresh = unrecordedEntries(batch, (eventId) => eventId === entry(3).eventId);
    expect(fresh).toEqual([entry(1), entry(2)]);
  });

  it('keeps a batch of distinct unrecorded events as it is', () => {
    const batch = [entry(1), entry(2), entry(3)];
    expect(unrecordedEntries(batch, () => false)).toEqual(batch);
  });
});
