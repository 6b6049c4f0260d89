import type { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { ChainChecker, GENESIS_HASH, type ChainKeyring } from './audit-chain';
import type { AuditHead, AuditRow, AuditStore } from './audit.interfaces';
import { VERIFY_PAGE } from './chain-walk';
import { fingerprintOf, isSignedCheckpoint, MAX_FINGERPRINTS, signCheckpoint } from './checkpoint';
import type { ResolvedCheckpoints } from './integrity.options';

/**
 * Takes signed checkpoints of the audit chain: after `everyRecords` records written by this process, `everyMs`
 * after the first record not covered yet, and at shutdown. A checkpoint is only signed for records that check out
 * from the previous checkpoint on (links and hashes, keys included): it never vouches for a chain already broken.
 * Failures are logged, never thrown: checkpoints must not stop the trail.
 */
export class Checkpointer {
  private last: AuditHead | undefined;
  private uncovered = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: AuditStore,
    private readonly options: ResolvedCheckpoints & {
      privateKey: NonNullable<ResolvedCheckpoints['privateKey']>;
    },
    private readonly keyring: ChainKeyring | undefined,
    private readonly logger: Logger,
  ) {}

  /** Picks up after the newest valid checkpoint the sink holds, when it can be read. */
  async start(): Promise<void> {
    try {
      const known = (await this.options.sink.read?.()) ?? [];
      for (const checkpoint of known) {
        if (!isSignedCheckpoint(checkpoint, this.options.publicKey)) continue;
        if (this.last === undefined || checkpoint.seq > this.last.seq) {
          this.last = { seq: checkpoint.seq, hash: checkpoint.hash };
        }
      }
    } catch (error) {
      this.logger.error(`Audit checkpoints: the sink could not be read (${errorMessage(error)}).`);
    }
  }

  /** The writer committed `records` records. */
  written(records: number): void {
    this.uncovered += records;
    if (this.uncovered >= this.options.everyRecords) {
      void this.take();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.take(), this.options.everyMs);
      this.timer.unref();
    }
  }

  /** Takes a checkpoint now (one at a time); resolves when it is written or failed (logged). */
  take(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = (this.running ?? Promise.resolve()).then(() => this.checkpoint());
    return this.running;
  }

  /** At shutdown, after the last write: a final checkpoint for what is not covered yet. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.uncovered > 0) await this.take();
  }

  private async checkpoint(): Promise<void> {
    this.uncovered = 0;
    try {
      const head = await this.store.head();
      if (head === undefined || head.seq === this.last?.seq) return;
      const fromSeq = Math.max(
        this.last === undefined ? 1 : this.last.seq + 1,
        head.seq - MAX_FINGERPRINTS + 1,
      );
      const rows = await this.checkedRows(fromSeq, head);
      if (rows === undefined) return;
      const checkpoint = signCheckpoint(
        {
          seq: head.seq,
          hash: head.hash,
          fromSeq,
          fingerprints: Buffer.concat(rows.map((row) => fingerprintOf(row.hash))).toString('base64'),
          at: new Date().toISOString(),
        },
        this.options.privateKey,
      );
      await this.options.sink.write(checkpoint);
      this.last = head;
    } catch (error) {
      this.logger.error(`Audit checkpoint not written: ${errorMessage(error)}. The next one is tried later.`);
    }
  }

  /** Records `fromSeq` to `head.seq`, checked from the record before them; undefined (logged) when broken. */
  private async checkedRows(fromSeq: number, head: AuditHead): Promise<AuditRow[] | undefined> {
    const checker = new ChainChecker(this.keyring);
    const link = await this.linkBefore(fromSeq);
    if (link !== undefined) checker.resumeAfter(link);
    const rows: AuditRow[] = [];
    for (let after = fromSeq - 1; after < head.seq;) {
      const limit = Math.min(VERIFY_PAGE, head.seq - after);
      const page = await this.store.query({ afterSeq: after, limit });
      if (page.length === 0) break;
      for (const row of page) {
        if (row.seq > head.seq) break;
        const problem = checker.check(row);
        if (problem !== undefined) {
          this.logger.error(
            `Audit checkpoint not signed: the chain is broken at record ${problem.seq} (${problem.reason}). ` +
              `Run AuditService.verify() and look into it.`,
          );
          return undefined;
        }
        rows.push(row);
      }
      after = page[page.length - 1].seq;
    }
    return rows.length === head.seq - fromSeq + 1 && rows[rows.length - 1].hash === head.hash
      ? rows
      : undefined;
  }

  /** The record just before `fromSeq` as the chain continues from it (the previous checkpoint's head, or read). */
  private async linkBefore(fromSeq: number): Promise<AuditHead | undefined> {
    if (fromSeq === 1) return undefined;
    if (this.last?.seq === fromSeq - 1) return this.last;
    const [row] = await this.store.query({ afterSeq: fromSeq - 2, limit: 1 });
    return row?.seq === fromSeq - 1
      ? { seq: row.seq, hash: row.hash }
      : { seq: fromSeq - 1, hash: GENESIS_HASH };
  }
}
