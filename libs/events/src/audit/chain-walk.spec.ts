import { canonicalRow, chainEntries, ChainChecker } from './audit-chain';
import type {
  AuditEntry,
  AuditHead,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  ChainText,
  ChainTextSource,
} from './audit.interfaces';
import { VERIFY_PAGE, walkChain } from './chain-walk';

function entries(from: number, count: number): AuditEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: `e-${from + i}`,
    type: 'order.placed',
    version: 1,
    timestamp: '2026-11-22T00:00:00.000Z',
    correlationId: 'c',
    causationId: null,
    actorId: null,
    source: 'spec',
    severity: 'info',
    data: `{"n":${from + i}}`,
  }));
}

/** Rows in memory that answers each range from the state at the moment it is asked for, as a server would. */
class RangeStore implements AuditStore, ChainTextSource {
  readonly pagesAhead = 2;
  rows: AuditRow[] = [];
  readonly asked: number[] = [];
  /** Runs when a range is asked for, before it is answered. */
  onAsk: (fromSeq: number) => void = () => undefined;
  /** Replaces the answer to a range (a database that fails, or answers late). */
  answer?: (fromSeq: number, texts: ChainText[]) => Promise<ChainText[]>;

  add(count: number): void {
    const last = this.rows[this.rows.length - 1];
    this.rows.push(...chainEntries(last, entries(this.rows.length + 1, count)));
  }

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async append(): Promise<void> {
    throw new Error('not used');
  }
  async head(): Promise<AuditHead | undefined> {
    return this.rows[this.rows.length - 1];
  }
  async query({ afterSeq, limit }: AuditStoreQuery): Promise<AuditRow[]> {
    return this.rows.filter((row) => row.seq > afterSeq).slice(0, limit);
  }
  chainTexts(fromSeq: number, toSeq: number): Promise<ChainText[]> {
    this.asked.push(fromSeq);
    this.onAsk(fromSeq);
    const texts = this.rows
      .filter((row) => row.seq >= fromSeq && row.seq <= toSeq)
      .map((row): ChainText => [row.seq, row.prevHash + canonicalRow(row), row.hash]);
    return this.answer ? this.answer(fromSeq, texts) : Promise.resolve(texts);
  }
}

describe('walkChain over texts the database builds', () => {
  it('asks for the next page before the first one is answered', async () => {
    const store = new RangeStore();
    store.add(VERIFY_PAGE * 2 + 1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.answer = async (_from, texts) => {
      await gate;
      return texts;
    };
    const walking = walkChain(store, new ChainChecker());
    expect(store.asked).toEqual([1, VERIFY_PAGE + 1]);
    release();
    await expect(walking).resolves.toBeUndefined();
    // A full page may be followed by another, so each full one asks for one more.
    expect(store.asked).toEqual([1, 1 + VERIFY_PAGE, 1 + 2 * VERIFY_PAGE, 1 + 3 * VERIFY_PAGE]);
  });

  it('checks a chain of several pages whole', async () => {
    const store = new RangeStore();
    store.add(VERIFY_PAGE * 2 + 3);
    const checker = new ChainChecker();
    await expect(walkChain(store, checker)).resolves.toBeUndefined();
    expect(checker.checked).toBe(VERIFY_PAGE * 2 + 3);
  });

  it('raises no false alarm when a page asked for later sees records written after an earlier page was read', async () => {
    const store = new RangeStore();
    store.add(VERIFY_PAGE + 2_000);
    // The second range is answered with 2,000 records; by the time the third is asked for, the trail has grown
    // past it, so the third starts well after the last record the second showed.
    store.onAsk = (fromSeq) => {
      if (fromSeq === 2 * VERIFY_PAGE + 1) store.add(VERIFY_PAGE);
    };
    const checker = new ChainChecker();
    await expect(walkChain(store, checker)).resolves.toBeUndefined();
    expect(checker.checked).toBe(2 * VERIFY_PAGE + 2_000);
  });

  it('checks a record from its values when the database could not build its text', async () => {
    const store = new RangeStore();
    store.add(10);
    store.answer = async (_from, texts) =>
      texts.map(([seq, text, hash]) => [seq, seq === 4 ? null : text, hash]);
    const checker = new ChainChecker();
    await expect(walkChain(store, checker)).resolves.toBeUndefined();
    expect(checker.checked).toBe(10);
  });

  it('reports the first bad record, and a page asked for ahead that then fails is no unhandled rejection', async () => {
    // Jest fails the test if the failed page ahead were left as an unhandled rejection.
    const store = new RangeStore();
    store.add(VERIFY_PAGE + 10);
    store.rows[2] = { ...store.rows[2], data: '{"n":"changed"}' };
    store.answer = async (fromSeq, texts) => {
      if (fromSeq === 1) return texts;
      throw new Error('connection lost');
    };
    await expect(walkChain(store, new ChainChecker())).resolves.toMatchObject({ seq: 3 });
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('fails with the store error when a page it needs cannot be read', async () => {
    const store = new RangeStore();
    store.add(VERIFY_PAGE + 10);
    store.answer = async (fromSeq, texts) => {
      if (fromSeq === 1) return texts;
      throw new Error('connection lost');
    };
    await expect(walkChain(store, new ChainChecker())).rejects.toThrow('connection lost');
  });
});
