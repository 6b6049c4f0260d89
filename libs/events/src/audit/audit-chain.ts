import { createHmac, hash as digest } from 'node:crypto';
import type { AuditEntry, AuditHead, AuditRow } from './audit.interfaces';
import { canonicalNumber, canonicalString, needsEscaping } from '../event/json/canonical-json';
import { PlainRowTexts } from './plain-row-texts';

/** `prevHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The RFC 8785 canonical JSON of a row without its `hash`. Members are written in their canonical order by hand
 * (the row's keys are fixed) and `data` is spliced in as stored: it already is canonical JSON text.
 */
export function canonicalRow(row: Omit<AuditRow, 'hash'>): string {
  const { actorId, causationId } = row;
  // When no string value needs escaping (the usual case), each is its own canonical form between plain quotes.
  if (
    needsEscaping(row.eventId) ||
    needsEscaping(row.type) ||
    needsEscaping(row.timestamp) ||
    needsEscaping(row.correlationId) ||
    (causationId !== null && needsEscaping(causationId)) ||
    (actorId !== null && needsEscaping(actorId)) ||
    needsEscaping(row.source) ||
    needsEscaping(row.severity) ||
    needsEscaping(row.prevHash)
  ) {
    return escapedRow(row);
  }
  return (
    '{"actorId":' +
    (actorId === null ? 'null' : '"' + actorId + '"') +
    ',"causationId":' +
    (causationId === null ? 'null' : '"' + causationId + '"') +
    ',"correlationId":"' +
    row.correlationId +
    '","data":' +
    row.data +
    ',"eventId":"' +
    row.eventId +
    '","prevHash":"' +
    row.prevHash +
    '","seq":' +
    canonicalNumber(row.seq) +
    ',"severity":"' +
    row.severity +
    '","source":"' +
    row.source +
    '","timestamp":"' +
    row.timestamp +
    '","type":"' +
    row.type +
    '","version":' +
    canonicalNumber(row.version) +
    '}'
  );
}

function escapedRow(row: Omit<AuditRow, 'hash'>): string {
  return (
    '{"actorId":' +
    (row.actorId === null ? 'null' : canonicalString(row.actorId)) +
    ',"causationId":' +
    (row.causationId === null ? 'null' : canonicalString(row.causationId)) +
    ',"correlationId":' +
    canonicalString(row.correlationId) +
    ',"data":' +
    row.data +
    ',"eventId":' +
    canonicalString(row.eventId) +
    ',"prevHash":' +
    canonicalString(row.prevHash) +
    ',"seq":' +
    canonicalNumber(row.seq) +
    ',"severity":' +
    canonicalString(row.severity) +
    ',"source":' +
    canonicalString(row.source) +
    ',"timestamp":' +
    canonicalString(row.timestamp) +
    ',"type":' +
    canonicalString(row.type) +
    ',"version":' +
    canonicalNumber(row.version) +
    '}'
  );
}

/**
 * A key of the keyed chain: its id, stored with each record it signs (`key_id`), and its secret. With a key, a
 * record's hash is `HMAC-SHA256(secret, prevHash || canonicalJson(record))`: without the secret nobody can append a
 * record or recompute a suffix that `verify()` accepts.
 */
export interface AuditChainKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** What `verify()` checks keyed records with. */
export interface ChainKeyring {
  /** Every key by id: the current one and retired ones that older records were signed with. */
  readonly keys: ReadonlyMap<string, Buffer>;
  /** Records up to this seq may be unkeyed (written before the chain got a key); later ones must be keyed. */
  readonly unkeyedUpTo: number;
}

/**
 * The hash of a record: `sha256(prevHash || canonicalJson(row without hash))`, or with `secret` that input's
 * HMAC-SHA256; hex. `keyId` is not part of the input: it only names the key.
 */
export function hashRow(row: Omit<AuditRow, 'hash'>, secret?: Buffer): string {
  return linkHash(row.prevHash + canonicalRow(row), secret);
}

/** sha256 or, with a secret, HMAC-SHA256 of a record's hash input, hex. */
function linkHash(text: string, secret: Buffer | undefined): string {
  // One-shot hashing, not createHash().update().digest(): this runs once per record (docs/benchmarks.md).
  if (secret === undefined) return digest('sha256', text, 'hex');
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * Gives entries their place after `head`: consecutive `seq`, each `prevHash` the hash before it, each hash keyed
 * with `key` when given (and its id stored as `keyId`). Call it inside the store's lock, with the head read under
 * that lock.
 */
export function chainEntries(
  head: AuditHead | undefined,
  entries: readonly AuditEntry[],
  key?: AuditChainKey,
): AuditRow[] {
  const keyId = key?.id ?? null;
  const secret = key?.secret;
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  // Links this function makes are hex digests; only a head read back from the store could hold anything else.
  let linkIsHex = HEX_DIGEST.test(prevHash);
  const plainTexts = new PlainRowTexts();
  const rows = new Array<AuditRow>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const row: AuditRow = {
      seq: ++seq,
      eventId: e.eventId,
      type: e.type,
      version: e.version,
      timestamp: e.timestamp,
      correlationId: e.correlationId,
      causationId: e.causationId,
      actorId: e.actorId,
      source: e.source,
      severity: e.severity,
      data: e.data,
      prevHash,
      hash: '',
      keyId,
    };
    const text = (linkIsHex && plainTexts.textOf(row)) || canonicalRow(row);
    row.hash = prevHash = linkHash(prevHash + text, secret);
    linkIsHex = true;
    rows[i] = row;
  }
  return rows;
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * The entries a store still has to write: the first entry of each event that `recorded` does not know yet. The
 * trail keeps an event once (its `event_id` is unique), and a batch may hold one event twice: at-least-once
 * delivery (an outbox row or a transport's message delivered again) can hand the writer the same event twice
 * before either was written.
 */
export function unrecordedEntries(
  entries: readonly AuditEntry[],
  recorded: (eventId: string) => boolean,
): AuditEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    if (seen.has(entry.eventId) || recorded(entry.eventId)) return false;
    seen.add(entry.eventId);
    return true;
  });
}

/** Walks rows in `seq` order and reports the first that breaks the chain. */
export class ChainChecker {
  checked = 0;
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;

  /** Without a keyring, keyed records cannot be checked (and unkeyed ones are all accepted). */
  constructor(readonly keyring?: ChainKeyring) {}

  /** The last good record, once at least one was checked. */
  get head(): AuditHead | undefined {
    return this.checked === 0 ? undefined : { seq: this.expectedSeq - 1, hash: this.prevHash };
  }

  /** Takes records 1 to `head.seq` as checked (by the store, on other threads): the walk goes on after `head`. */
  resumeAfter(head: AuditHead): void {
    this.checked = head.seq;
    this.expectedSeq = head.seq + 1;
    this.prevHash = head.hash;
  }

  /**
   * True when `text` (`prevHash` + canonical JSON of the record, built by the database) continues the chain and
   * hashes to `hash`. False says nothing about the record: check it from its stored values with `check()`.
   */
  checkText(seq: number, text: string | null, hash: string, keyId: string | null = null): boolean {
    const prevHash = this.prevHash;
    if (text === null || seq !== this.expectedSeq || !text.startsWith(prevHash)) return false;
    const secret = this.secretFor(seq, keyId);
    if (typeof secret === 'string') return false;
    // The canonical JSON must begin right after the link, so a longer stored prevHash cannot pass for it.
    if (text.charCodeAt(prevHash.length) !== 0x7b || linkHash(text, secret) !== hash) return false;
    this.checked++;
    this.expectedSeq++;
    this.prevHash = hash;
    return true;
  }

  /** Undefined when the row continues the chain; else where and why it breaks. */
  check(row: AuditRow): { seq: number; reason: string } | undefined {
    if (row.seq !== this.expectedSeq) {
      const reason =
        row.seq > this.expectedSeq
          ? `record ${this.expectedSeq} is missing (the next record is ${row.seq})`
          : `record ${row.seq} appears out of order after ${this.expectedSeq - 1}`;
      return { seq: this.expectedSeq, reason };
    }
    if (row.prevHash !== this.prevHash) {
      return { seq: row.seq, reason: `record ${row.seq} does not link to the hash of record ${row.seq - 1}` };
    }
    const secret = this.secretFor(row.seq, row.keyId ?? null);
    if (typeof secret === 'string') return { seq: row.seq, reason: secret };
    let hash: string;
    try {
      hash = hashRow(row, secret);
    } catch {
      return { seq: row.seq, reason: `record ${row.seq} holds values that have no canonical JSON form` };
    }
    if (hash !== row.hash) {
      return { seq: row.seq, reason: `record ${row.seq} was changed: its content does not match its hash` };
    }
    this.checked++;
    this.expectedSeq++;
    this.prevHash = hash;
    return undefined;
  }

  /**
   * The secret to check a record with (undefined: plain sha256), or why it cannot be checked: an unkeyed record
   * where the chain is keyed (written by someone without the key), or a key this process does not hold.
   */
  private secretFor(seq: number, keyId: string | null): Buffer | undefined | string {
    if (keyId === null) {
      if (this.keyring === undefined || seq <= this.keyring.unkeyedUpTo) return undefined;
      return (
        `record ${seq} is not keyed, but the chain is keyed from record ${this.keyring.unkeyedUpTo + 1} on: it was ` +
        `written or rewritten without the key (if the trail is older than the key, set audit.chainKey.unkeyedUpTo)`
      );
    }
    const secret = this.keyring?.keys.get(keyId);
    if (secret !== undefined) return secret;
    return `record ${seq} is keyed with key "${keyId}", which this app does not hold: add it to audit.chainKey.keys`;
  }
}
