import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../event/json/canonical-json';

/**
 * A signed statement of where the audit chain stood: the hash of record `seq` (the head when it was taken), and a
 * short fingerprint of every record from `fromSeq` to `seq`, signed with Ed25519. Kept somewhere the audit table's
 * writers cannot write (a file, a log shipped elsewhere, another database), it lets `verify()` catch a chain that
 * was rewritten and re-hashed up to `seq` or cut short, and name the first record that changed.
 */
export interface AuditCheckpoint {
  /** The last record of the chain when the checkpoint was taken. */
  seq: number;
  /** That record's hash. */
  hash: string;
  /** The first record `fingerprints` covers (the one after the previous checkpoint, or up to 10,000 back). */
  fromSeq: number;
  /** Base64 of the first 4 bytes of each record's hash, from `fromSeq` to `seq`, in order. */
  fingerprints: string;
  /** When it was taken, ISO-8601 UTC. */
  at: string;
  /** Base64 Ed25519 signature of the canonical JSON of the other fields plus `type` (see `checkpointMessage`). */
  signature: string;
}

/**
 * Where checkpoints go, chosen by the operator: anywhere the audit table's writers cannot rewrite. `read()` lets
 * `verify()` find them itself; a sink that cannot be read back (a log line) leaves it out, and the checkpoints are
 * given to `verify({ checkpoints })` instead.
 */
export interface CheckpointSink {
  write(checkpoint: AuditCheckpoint): Promise<void>;
  /** Every checkpoint written so far, oldest first (lines it cannot read are left out). */
  read?(): Promise<AuditCheckpoint[]>;
}

/** Bytes of each record's hash a checkpoint keeps. */
export const FINGERPRINT_BYTES = 4;
/** The most records one checkpoint fingerprints (40 KB of base64 at most). */
export const MAX_FINGERPRINTS = 10_000;
const CHECKPOINT_TYPE = 'nestjs-event-bus.audit.checkpoint.v1';

type Unsigned = Omit<AuditCheckpoint, 'signature'>;

/** The bytes a checkpoint's signature covers: the canonical JSON of its fields (but the signature) and its type. */
export function checkpointMessage(checkpoint: Unsigned): Buffer {
  const { seq, hash, fromSeq, fingerprints, at } = checkpoint;
  return Buffer.from(canonicalJson({ at, fingerprints, fromSeq, hash, seq, type: CHECKPOINT_TYPE }));
}

/** Signs a checkpoint with an Ed25519 private key. */
export function signCheckpoint(checkpoint: Unsigned, privateKey: KeyObject): AuditCheckpoint {
  const signature = sign(null, checkpointMessage(checkpoint), privateKey).toString('base64');
  return { ...checkpoint, signature };
}

/** True when `value` is a checkpoint with every field well formed and its signature checks out. */
export function isSignedCheckpoint(value: unknown, publicKey: KeyObject): value is AuditCheckpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<AuditCheckpoint>;
  if (
    !Number.isSafeInteger(c.seq) ||
    !Number.isSafeInteger(c.fromSeq) ||
    c.fromSeq! < 1 ||
    c.fromSeq! > c.seq! ||
    typeof c.hash !== 'string' ||
    typeof c.fingerprints !== 'string' ||
    typeof c.at !== 'string' ||
    typeof c.signature !== 'string'
  ) {
    return false;
  }
  if (Buffer.from(c.fingerprints, 'base64').length !== (c.seq! - c.fromSeq! + 1) * FINGERPRINT_BYTES)
    return false;
  try {
    return verify(null, checkpointMessage(c as Unsigned), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The fingerprint of a record's hash (hex): its first bytes. */
export function fingerprintOf(hash: string): Buffer {
  const bytes = Buffer.from(hash.slice(0, FINGERPRINT_BYTES * 2), 'hex');
  return bytes.length === FINGERPRINT_BYTES ? bytes : Buffer.alloc(FINGERPRINT_BYTES);
}
