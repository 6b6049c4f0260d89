import type { ChainChecker } from './audit-chain';
import {
  canBuildChainTexts,
  canCheckInParallel,
  type AuditRow,
  type AuditStore,
  type ChainText,
  type ChainTextSource,
} from './audit.interfaces';

/** Records per page that `verify()` reads. */
export const VERIFY_PAGE = 5000;

/** Where and why the chain breaks. */
export interface ChainProblem {
  seq: number;
  reason: string;
}

/**
 * Feeds every record of the store to `checker`, in seq order, and returns the first problem (undefined when the
 * whole chain checks out). Uses the texts the database builds when the store can build them.
 */
export async function walkChain(store: AuditStore, checker: ChainChecker): Promise<ChainProblem | undefined> {
  if (canCheckInParallel(store)) {
    const head = await store.head();
    if (head && (await store.chainIntactUpTo(head, checker.keyring))) {
      checker.resumeAfter(head);
      // Records written since the head was read are checked in order, like those past the last range below.
      return walkRows(store, checker, head.seq);
    }
  }
  return canBuildChainTexts(store) ? walkChainTexts(store, checker) : walkRows(store, checker);
}

/** Checks the records after `afterSeq` from their values, one page after another as the store returns them. */
async function walkRows(
  store: AuditStore,
  checker: ChainChecker,
  afterSeq = 0,
): Promise<ChainProblem | undefined> {
  let next: Promise<AuditRow[]> | undefined = store.query({ afterSeq, limit: VERIFY_PAGE });
  while (next) {
    const rows: AuditRow[] = await next;
    // Ask for the next page before checking this one, so the database works while we hash.
    next =
      rows.length === VERIFY_PAGE
        ? handled(store.query({ afterSeq: rows[rows.length - 1].seq, limit: VERIFY_PAGE }))
        : undefined;
    for (const row of rows) {
      const problem = checker.check(row);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Checks the texts the database builds; a record whose text does not check out is checked from its values. Pages
 * are seq ranges, up to `pagesAhead` of them asked for at a time, so a database server builds the next pages while
 * this one is hashed.
 */
async function walkChainTexts(
  store: AuditStore & ChainTextSource,
  checker: ChainChecker,
): Promise<ChainProblem | undefined> {
  const pending: Promise<ChainText[]>[] = [];
  let nextFrom = 1;
  const askForPage = () => {
    pending.push(handled(store.chainTexts(nextFrom, nextFrom + VERIFY_PAGE - 1)));
    nextFrom += VERIFY_PAGE;
  };
  for (let i = 0; i < store.pagesAhead; i++) askForPage();
  let more = true;
  for (let page = pending.shift(); page; page = pending.shift()) {
    const texts = await page;
    // seq is unique, so only a full range can be followed by more records; a short one is the end or has a gap
    // (which the checks below report).
    if (texts.length < VERIFY_PAGE) more = false;
    if (more) askForPage();
    for (const [seq, text, hash, keyId] of texts) {
      if (checker.checkText(seq, text, hash, keyId ?? null)) continue;
      const lastGood = checker.head?.seq ?? 0;
      // Not the record expected next: a gap, or records written while the pages were read (pages ahead can see a
      // later state than the page before them). Reading on in seq order from the values tells the two apart.
      if (seq !== lastGood + 1) return walkRows(store, checker, lastGood);
      const [row] = await store.query({ afterSeq: lastGood, limit: 1 });
      const problem = row ? checker.check(row) : { seq, reason: `record ${seq} could not be read back` };
      if (problem) return problem;
    }
  }
  // Records past the last range read (one deleted at a page's end, one written with a far-off seq, or one written
  // during the walk) are read in order too: usually there are none, and this is one query.
  return walkRows(store, checker, checker.head?.seq ?? 0);
}

/**
 * `promise`, marked as handled: a page asked for ahead may fail while an earlier one is being checked, and must not
 * count as an unhandled rejection then (it still rejects where it is awaited, if it is).
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
