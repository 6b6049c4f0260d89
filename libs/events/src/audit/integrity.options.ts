import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { AuditChainKey, ChainKeyring } from './audit-chain';
import type { CheckpointSink } from './checkpoint';

/**
 * The keyed chain (`audit.chainKey`): each record's hash becomes an HMAC-SHA256 with a key the app holds, so that
 * someone who can write the audit table but does not hold the key cannot append a record or recompute a suffix
 * that `verify()` accepts. Rotation: add a new key under a new id and make it `current`; keep the old ones in
 * `keys` for as long as records signed with them must verify (each record stores its key's id).
 */
export interface AuditChainKeyOptions {
  /** The id of the key new records are signed with (1-64 of `[A-Za-z0-9._:-]`, e.g. `2026-01`). */
  current: string;
  /** Every key by id, the current one included: a string (its UTF-8 bytes) or a Buffer, at least 32 bytes. */
  keys: Record<string, string | Buffer>;
  /** Records up to this seq may be unkeyed: the trail existed before it had a key. Default 0. */
  unkeyedUpTo?: number;
}

/**
 * Signed checkpoints (`audit.checkpoints`): every `everyRecords` records, or `everyMs` after the first record not
 * covered yet, and at shutdown, the writer signs the chain's head (and a fingerprint of each record since the last
 * checkpoint) with Ed25519 and hands it to `sink`. `verify()` checks the chain against them.
 */
export interface AuditCheckpointOptions {
  /** Where checkpoints go: `FileCheckpointSink`, `LoggerCheckpointSink` or your own `CheckpointSink`. */
  sink: CheckpointSink;
  /** Ed25519 private key (a KeyObject or PEM) to sign with. Leave it out in a process that only verifies. */
  privateKey?: KeyObject | string;
  /** Ed25519 public key (a KeyObject or PEM) to check signatures with; default: derived from `privateKey`. */
  publicKey?: KeyObject | string;
  /** Take a checkpoint once this many records were written since the last one; default 1000. */
  everyRecords?: number;
  /** ...or once this long passed since the first record not covered; default 60,000 ms. */
  everyMs?: number;
}

/** `audit.chainKey` checked: the key new records are signed with, and every key verify() may need. */
export interface ResolvedChainKey {
  readonly key: AuditChainKey;
  readonly keyring: ChainKeyring;
}

/** `audit.checkpoints` checked, keys parsed. */
export interface ResolvedCheckpoints {
  readonly sink: CheckpointSink;
  readonly privateKey: KeyObject | undefined;
  readonly publicKey: KeyObject;
  readonly everyRecords: number;
  readonly everyMs: number;
}

const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MIN_SECRET_BYTES = 32;

/** Checks `audit.chainKey`; a wrong value throws `EventsConfigError` naming it. */
export function resolveChainKey(value: unknown): ResolvedChainKey | undefined {
  if (value === undefined) return undefined;
  const option = 'audit.chainKey';
  if (!isRecord(value)) throw new EventsConfigError(option, '{ current, keys, unkeyedUpTo? }', value);
  rejectUnknownKeys(option, value, ['current', 'keys', 'unkeyedUpTo']);
  if (!isRecord(value.keys) || Object.keys(value.keys).length === 0) {
    throw new EventsConfigError(`${option}.keys`, 'an object of keys by id', value.keys);
  }
  const keys = new Map<string, Buffer>();
  for (const [id, secret] of Object.entries(value.keys)) {
    if (!KEY_ID.test(id))
      throw new EventsConfigError(`${option}.keys`, 'key ids of 1-64 of [A-Za-z0-9._:-]', id);
    const bytes: unknown = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (!Buffer.isBuffer(bytes) || bytes.length < MIN_SECRET_BYTES) {
      throw new EventsConfigError(
        `${option}.keys.${id}`,
        `a secret of at least ${MIN_SECRET_BYTES} bytes (a string or a Buffer; e.g. randomBytes(32).toString('hex'))`,
        // Never the secret itself.
        Buffer.isBuffer(bytes) ? `${bytes.length} bytes` : typeof secret,
      );
    }
    keys.set(id, Buffer.from(bytes));
  }
  const current = value.current;
  if (typeof current !== 'string' || !keys.has(current)) {
    throw new EventsConfigError(`${option}.current`, 'the id of one of audit.chainKey.keys', current);
  }
  const unkeyedUpTo = checkNumber(`${option}.unkeyedUpTo`, value.unkeyedUpTo, 0, { integer: true });
  return { key: { id: current, secret: keys.get(current)! }, keyring: { keys, unkeyedUpTo } };
}

/** Checks `audit.checkpoints`; a wrong value throws `EventsConfigError` naming it. */
export function resolveCheckpoints(value: unknown): ResolvedCheckpoints | undefined {
  if (value === undefined) return undefined;
  const option = 'audit.checkpoints';
  if (!isRecord(value)) throw new EventsConfigError(option, '{ sink, privateKey?, publicKey?, ... }', value);
  rejectUnknownKeys(option, value, ['sink', 'privateKey', 'publicKey', 'everyRecords', 'everyMs']);
  const sink = value.sink as Partial<CheckpointSink> | undefined;
  if (!isRecord(sink) || typeof sink.write !== 'function') {
    throw new EventsConfigError(`${option}.sink`, 'a CheckpointSink (an object with write())', value.sink);
  }
  const privateKey =
    value.privateKey === undefined ? undefined : ed25519(`${option}.privateKey`, value.privateKey, true);
  const publicKey =
    value.publicKey !== undefined
      ? ed25519(`${option}.publicKey`, value.publicKey, false)
      : privateKey && createPublicKey(privateKey);
  if (publicKey === undefined) {
    throw new EventsConfigError(option, 'a privateKey to sign with, or a publicKey to verify with', value);
  }
  return {
    sink: sink as CheckpointSink,
    privateKey,
    publicKey,
    everyRecords: checkNumber(`${option}.everyRecords`, value.everyRecords, 1000, { min: 1, integer: true }),
    everyMs: checkNumber(`${option}.everyMs`, value.everyMs, 60_000, { min: 1, unit: 'milliseconds' }),
  };
}

/** An Ed25519 key from a KeyObject or PEM text. */
function ed25519(option: string, value: unknown, isPrivate: boolean): KeyObject {
  let key: KeyObject | undefined;
  try {
    if (value instanceof KeyObject) key = value;
    else if (typeof value === 'string') key = isPrivate ? createPrivateKey(value) : createPublicKey(value);
  } catch {
    key = undefined;
  }
  const type = isPrivate ? 'private' : 'public';
  if (key === undefined || key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new EventsConfigError(
      option,
      `an Ed25519 ${type} key (a KeyObject or PEM; generateKeyPairSync('ed25519') makes one)`,
      // Never the value itself: it may be a private key.
      key !== undefined
        ? `a ${key.type} ${key.asymmetricKeyType ?? ''} key`
        : typeof value === 'string'
          ? 'text that is not a PEM key'
          : typeof value,
    );
  }
  return key;
}
