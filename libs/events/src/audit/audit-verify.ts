import { ChainChecker } from './audit-chain';
import type { AuditHead, AuditStore, AuditVerification } from './audit.interfaces';
import { walkChain, type ChainProblem } from './chain-walk';
import { checkAgainstCheckpoints } from './checkpoint-verify';
import type { ResolvedAuditOptions } from './audit.options';

/** What `AuditService.verify()` is asked to check besides the chain itself. */
export interface VerifyOptions {
  /** A head saved earlier (`AuditService.head()`): catches a cut tail and a suffix re-chained up to it. */
  expectedHead?: AuditHead;
  /**
   * Signed checkpoints to check against (`audit.checkpoints`): default, those the configured sink reads back.
   * Only checkpoints signed with the configured key count; the result says how many did not.
   */
  checkpoints?: readonly unknown[];
}

/**
 * Walks the chain (keyed records with the configured keys), then checks it against the checkpoints and the
 * expected head; reports the earliest problem any of them finds.
 */
export async function verifyTrail(
  store: AuditStore,
  audit: ResolvedAuditOptions,
  options: VerifyOptions,
): Promise<AuditVerification> {
  const checker = new ChainChecker(audit.chainKey?.keyring);
  const problems: ChainProblem[] = [];
  const walked = await walkChain(store, checker);
  if (walked) problems.push(walked);
  const head = walked ? undefined : checker.head;
  const result: AuditVerification = { ok: true, checked: checker.checked };
  const signed = options.checkpoints ?? (await audit.checkpoints?.sink.read?.());
  if (audit.checkpoints !== undefined && signed !== undefined) {
    const found = await checkAgainstCheckpoints(store, signed, audit.checkpoints.publicKey);
    result.checkpoints = { checked: found.checked, invalid: found.invalid };
    if (found.problem) problems.push(found.problem);
    if (found.invalid > 0 && problems.length === 0) {
      return {
        ...result,
        ok: false,
        reason: `${found.invalid} checkpoint(s) are malformed or not signed with the configured key: the sink was written by someone else`,
        head,
      };
    }
  }
  if (!walked && options.expectedHead) {
    const problem = await againstExpectedHead(store, head, options.expectedHead);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) return { ...result, head };
  const first = problems.reduce((a, b) => (b.seq < a.seq ? b : a));
  return { ...result, ok: false, firstBadSeq: first.seq, reason: first.reason, ...(head ? { head } : {}) };
}

async function againstExpectedHead(
  store: AuditStore,
  head: AuditHead | undefined,
  expected: AuditHead,
): Promise<ChainProblem | undefined> {
  if (!head || head.seq < expected.seq) {
    const last = head?.seq ?? 0;
    return {
      seq: last + 1,
      reason: `the chain ends at ${last} but the expected head is ${expected.seq}: records were removed from the end`,
    };
  }
  const atExpected = head.seq === expected.seq ? head : await hashAt(store, expected.seq);
  if (atExpected?.hash === expected.hash) return undefined;
  return {
    seq: expected.seq,
    reason: `record ${expected.seq} does not have the expected head hash: the chain was rewritten`,
  };
}

async function hashAt(store: AuditStore, seq: number): Promise<AuditHead | undefined> {
  const [row] = await store.query({ afterSeq: seq - 1, limit: 1 });
  return row?.seq === seq ? { seq, hash: row.hash } : undefined;
}
