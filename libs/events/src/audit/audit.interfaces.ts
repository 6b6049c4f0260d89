import type { EventSeverity } from '../event/bus-event.interface';
import type { AuditChainKey, ChainKeyring } from './audit-chain';

/** One entry of the audit trail, as `AuditService.query()` returns it. */
export interface AuditRecord {
  /** Position in the chain: 1, 2, 3... with no gaps. */
  seq: number;
  eventId: string;
  type: string;
  version: number;
  timestamp: string;
  correlationId: string;
  causationId: string | null;
  actorId: string | null;
  source: string;
  severity: EventSeverity;
  /** The event's payload, redacted when the event was created (and truncated when over `maxRecordBytes`). */
  data: unknown;
  /** `hash` of the record before this one (64 zeros for the first). */
  prevHash: string;
  /**
   * sha256 (hex) of `prevHash` followed by the RFC 8785 canonical JSON of this record without `hash` and `keyId`;
   * for a keyed record, the HMAC-SHA256 of that input with the key named by `keyId`.
   */
  hash: string;
  /**
   * The id of the chain key the record's hash was made with (`audit.chainKey`); null (or left out, by a store
   * written before keyed chains) for a plain sha256.
   */
  keyId?: string | null;
}

/** A record as stores keep it: `data` is the canonical JSON text of the payload. */
export interface AuditRow extends Omit<AuditRecord, 'data' | 'severity'> {
  severity: string;
  data: string;
}

/** What the writer hands a store: a row before the chain gives it `seq`, `prevHash`, `hash` and `keyId`. */
export type AuditEntry = Omit<AuditRow, 'seq' | 'prevHash' | 'hash' | 'keyId'>;

/** What the writer tells a store with each batch. */
export interface AuditAppendOptions {
  /**
   * The chain key to sign the batch's records with: pass it to `chainEntries()`. A store that ignores it writes
   * plain sha256 records, which `verify()` then reports as unkeyed.
   */
  key?: AuditChainKey;
}

/** The last record of a chain; keep it somewhere else to detect a truncated tail with `verify({ expectedHead })`. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Filters a store applies; rows come back in `seq` order, `seq > afterSeq`, at most `limit`. */
export interface AuditStoreQuery {
  afterSeq: number;
  limit: number;
  correlationId?: string;
  type?: string;
  actorId?: string;
  /** ISO-8601 UTC, inclusive. */
  from?: string;
  /** ISO-8601 UTC, exclusive. */
  to?: string;
}

/**
 * Where audit records live. Implement it to plug your own database; the writer calls `append()` one batch at a
 * time per process, but several processes may share one store, so `append()` must serialise writers itself (a
 * lock or a transaction) and build the chain from the head it reads under that lock (`chainEntries()` does that
 * part).
 */
export interface AuditStore {
  /** Opens the database and creates what is missing. Called once at startup; fails with a clear message. */
  init(): Promise<void>;
  /** Appends the entries, in order, at the end of the chain, all or nothing; keyed with `options.key` if given. */
  append(entries: readonly AuditEntry[], options?: AuditAppendOptions): Promise<void>;
  /** Rows matching the filters, in `seq` order. */
  query(query: AuditStoreQuery): Promise<AuditRow[]>;
  /** The last record, or undefined when the trail is empty. */
  head(): Promise<AuditHead | undefined>;
  /** Releases connections; called at shutdown after the last flush. */
  close(): Promise<void>;
}

/**
 * A record as a store's database can hand it to `verify()`: `[seq, text, hash, keyId]`, where `text` is `prevHash`
 * followed by the record's canonical JSON (`canonicalRow()`) built by the database from the stored values, or null
 * when the database cannot build it exactly (a value that needs escaping, an unexpected column type).
 */
export type ChainText = [seq: number, text: string | null, hash: string, keyId?: string | null];

/**
 * Internal (not exported by the package): a store that can build each record's hash input itself, which is
 * cheaper for `verify()` than reading 13 values per record. A text that does not check out is never trusted either
 * way: `verify()` then checks that record from `query()`.
 */
export interface ChainTextSource {
  /**
   * How many pages `verify()` keeps asked for at once: 1 for a database in this process (it answers at once, so
   * asking further ahead only holds more pages in memory), more for a server, which builds them in parallel.
   */
  readonly pagesAhead: number;
  /**
   * The records with `fromSeq <= seq <= toSeq`, in `seq` order. A range rather than "the next N" so that `verify()`
   * can ask for the following pages before this one arrives.
   */
  chainTexts(fromSeq: number, toSeq: number): Promise<ChainText[]>;
}

/**
 * Internal (not exported by the package): a store that can check a long chain on several threads. It only ever
 * answers "intact" or "cannot tell": `verify()` then walks the chain itself, to find the first bad record.
 */
export interface ParallelChainCheck {
  /**
   * True when records 1 to `head.seq` are all there and linked, the last one hashing to `head.hash`, each keyed
   * record's HMAC made with a key of `keyring`.
   */
  chainIntactUpTo(head: AuditHead, keyring?: ChainKeyring): Promise<boolean>;
}

/** Whether the store implements `ParallelChainCheck`. */
export function canCheckInParallel(store: AuditStore): store is AuditStore & ParallelChainCheck {
  return typeof (store as Partial<ParallelChainCheck>).chainIntactUpTo === 'function';
}

/** Whether the store implements `ChainTextSource`. */
export function canBuildChainTexts(store: AuditStore): store is AuditStore & ChainTextSource {
  const source = store as Partial<ChainTextSource>;
  return typeof source.chainTexts === 'function' && Number(source.pagesAhead) >= 1;
}

/** Injection token of the `AuditStore` in use (absent when the audit trail is off). */
export const AUDIT_STORE = Symbol('nestjs-event-bus:audit-store');

/** `AuditService.query()` filters; all optional. */
export interface AuditQuery {
  correlationId?: string;
  type?: string;
  actorId?: string;
  /** Records at or after this time (ISO-8601 string or Date). */
  from?: string | Date;
  /** Records strictly before this time. */
  to?: string | Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1 to 1000; default 100. */
  limit?: number;
}

/** One page of `AuditService.query()`; `nextCursor` is set when there may be more. */
export interface AuditPage {
  records: AuditRecord[];
  nextCursor?: string;
}

/** The outcome of `AuditService.verify()`. */
export interface AuditVerification {
  ok: boolean;
  /** Records whose hash and link were checked. */
  checked: number;
  /** The first position where the chain is broken. */
  firstBadSeq?: number;
  reason?: string;
  /** The last record checked (keep it elsewhere to detect truncation next time). */
  head?: AuditHead;
  /** With `audit.checkpoints`: how many checkpoints were checked, and how many were malformed or badly signed. */
  checkpoints?: { checked: number; invalid: number };
}
