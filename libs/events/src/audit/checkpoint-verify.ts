import type { KeyObject } from 'node:crypto';
import type { AuditRow, AuditStore } from './audit.interfaces';
import { VERIFY_PAGE } from './chain-walk';
import { fingerprintOf, FINGERPRINT_BYTES, isSignedCheckpoint, type AuditCheckpoint } from './checkpoint';

/** What checking the chain against checkpoints found. */
export interface CheckpointCheck {
  /** Checkpoints whose signature checked out. */
  checked: number;
  /** Checkpoints that were malformed or whose signature did not check out (the sink was written by someone else). */
  invalid: number;
  /** The first record that differs from what a checkpoint signed, and why. */
  problem?: { seq: number; reason: string };
}

/**
 * Checks the store against signed checkpoints. A valid chain whose record at a checkpoint's `seq` has the signed
 * hash is, up to there, what the checkpoint saw; so the first checkpoint that does not match bounds a rewrite, and
 * its fingerprints name the first record that changed (or went missing). Only checkpoints signed with `publicKey`
 * count; the others are counted as `invalid`.
 */
export async function checkAgainstCheckpoints(
  store: AuditStore,
  checkpoints: readonly unknown[],
  publicKey: KeyObject,
): Promise<CheckpointCheck> {
  const valid = checkpoints
    .filter((checkpoint): checkpoint is AuditCheckpoint => isSignedCheckpoint(checkpoint, publicKey))
    .sort((a, b) => a.seq - b.seq);
  const result: CheckpointCheck = { checked: valid.length, invalid: checkpoints.length - valid.length };
  // Binary search for the first checkpoint the store no longer matches: before a rewrite every one matches, from
  // it on none does.
  let low = 0;
  let high = valid.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (await matches(store, valid[middle])) low = middle + 1;
    else high = middle;
  }
  if (low < valid.length) result.problem = await locate(store, valid[low]);
  return result;
}

/** Whether the store's record at the checkpoint's seq has the signed hash. */
async function matches(store: AuditStore, checkpoint: AuditCheckpoint): Promise<boolean> {
  const [row] = await store.query({ afterSeq: checkpoint.seq - 1, limit: 1 });
  return row?.seq === checkpoint.seq && row.hash === checkpoint.hash;
}

/** The first record of the checkpoint's range that is missing or whose hash has another fingerprint. */
async function locate(
  store: AuditStore,
  checkpoint: AuditCheckpoint,
): Promise<{ seq: number; reason: string }> {
  const signed = Buffer.from(checkpoint.fingerprints, 'base64');
  const rows = await readRange(store, checkpoint.fromSeq, checkpoint.seq);
  const where = `the checkpoint signed at ${checkpoint.at} for records ${checkpoint.fromSeq} to ${checkpoint.seq}`;
  for (let seq = checkpoint.fromSeq; seq <= checkpoint.seq; seq++) {
    const row = rows.get(seq);
    if (row === undefined) {
      return { seq, reason: `record ${seq} is missing, but ${where} covers it: records were removed` };
    }
    const offset = (seq - checkpoint.fromSeq) * FINGERPRINT_BYTES;
    if (!fingerprintOf(row.hash).equals(signed.subarray(offset, offset + FINGERPRINT_BYTES))) {
      return {
        seq,
        reason: `record ${seq} does not match ${where}: the chain was rewritten from record ${seq} on`,
      };
    }
  }
  return {
    seq: checkpoint.seq,
    reason: `record ${checkpoint.seq} does not have the hash ${where} signed: the chain was rewritten`,
  };
}

/** The records `fromSeq` to `toSeq` by seq. */
async function readRange(store: AuditStore, fromSeq: number, toSeq: number): Promise<Map<number, AuditRow>> {
  const rows = new Map<number, AuditRow>();
  for (let after = fromSeq - 1; after < toSeq;) {
    const page = await store.query({ afterSeq: after, limit: Math.min(VERIFY_PAGE, toSeq - after) });
    if (page.length === 0) break;
    for (const row of page) if (row.seq <= toSeq) rows.set(row.seq, row);
    after = page[page.length - 1].seq;
  }
  return rows;
}
