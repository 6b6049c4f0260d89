import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';
import { backoffDelay, type Backoff } from '../common/backoff';
import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import type { AuditTelemetry } from './audit.telemetry';
import { AuditWriteError } from '../errors/audit-write.error';
import type { AuditAppendOptions, AuditEntry, AuditStore } from './audit.interfaces';
import { makeAuditEntry } from './audit-entry';
import { isRecordRefusal, placeholderEntry } from './record-refusal';
import type { ResolvedAuditOptions } from './audit.options';

/** Counters of the audit writer, for `AuditService.stats()`. */
export interface AuditWriterStats {
  /** Records committed by this process. */
  written: number;
  /** Records waiting to be written. */
  buffered: number;
  /** Failed write attempts (each is retried). */
  writeFailures: number;
  /** Records refused because the buffer was full (logged each time). */
  dropped: number;
  /** Records whose payload was stored truncated. */
  truncated: number;
  /**
   * Records stored with envelope strings made writable (NUL, CR, LF or a lone surrogate replaced by U+FFFD, or cut
   * at 200 characters): events that reached the trail without the bus's checks (changed by middleware, say).
   */
  sanitized: number;
  /**
   * Records the store refused (a value it cannot take): a placeholder marked `$refused` was written in their place,
   * or, when the store refused that too, nothing; either way the records behind them were written. Logged each.
   */
  refused: number;
  /**
   * `durability: 'sync'` only: records of an awaited `emitAsync()` whose write failed. The emitter got
   * `AuditWriteError`, and the record is not written later (so a retry by the caller does not record the event
   * twice). Logged each.
   */
  withdrawn: number;
  /** The last write error, if the last attempt failed. */
  lastError?: string;
}

interface Pending {
  /** The event is turned into its entry when its batch is written, not on the emitting path. */
  event: BusEvent;
  entry?: AuditEntry;
  /** Sync durability: settles the emitter's promise once (later retries settle nobody). */
  settle?: { resolve: () => void; reject: (error: Error) => void };
  /** Sync durability and an awaited emit: a failed write withdraws the record (the emitter is told). */
  withdraw?: boolean;
}

/** How long a failed write waits before it is tried again: 100 ms, doubling, at most 10 s. */
const RETRY_BACKOFF: Backoff = { baseMs: 100, factor: 2, maxMs: 10_000, jitter: 0 };

/**
 * Turns events into audit entries and writes them in order, one batch at a time. Batched mode queues and returns
 * nothing (off the hot path); sync mode returns a promise settled by the commit of the batch holding the record.
 * A failed write keeps its records at the head of the buffer and is retried with backoff.
 */
export class AuditWriter {
  private buffer: Pending[] = [];
  private writing: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private consecutiveFailures = 0;
  private closed = false;
  /** `buffered` is not kept: it is the buffer's length. */
  private readonly counters: Omit<AuditWriterStats, 'buffered'> = {
    written: 0,
    writeFailures: 0,
    dropped: 0,
    truncated: 0,
    sanitized: 0,
    refused: 0,
    withdrawn: 0,
  };

  constructor(
    private readonly store: AuditStore,
    private readonly options: ResolvedAuditOptions,
    private readonly logger: Logger,
    private readonly telemetry?: AuditTelemetry,
    /** The chain key each batch is signed with, and who is told how many records were committed. */
    private readonly integrity: { append?: AuditAppendOptions; committed?: (records: number) => void } = {},
  ) {}

  stats(): AuditWriterStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /**
   * Queues the event's record; in sync mode, returns the promise of its commit. `awaited`: the emitter waits for
   * that promise (`emitAsync()`), so in sync mode a failed write is final for this record (see `withdrawn`).
   */
  add(event: BusEvent, awaited = false): Promise<void> | undefined {
    if (this.buffer.length >= this.options.maxBufferedRecords || this.closed) {
      this.counters.dropped++;
      const why = this.closed
        ? 'the audit trail was already closed (app shutting down)'
        : `the buffer is full (${this.options.maxBufferedRecords} records waiting; the store is failing: ` +
          `${this.counters.lastError ?? 'unknown error'})`;
      this.logger.error(
        `Audit record of "${event.type}" (${event.id}) NOT recorded: ${why}. ${this.counters.dropped} refused so far.`,
      );
      if (this.options.durability === 'sync') {
        return Promise.reject(
          new AuditWriteError(`The audit record of ${event.id} was not recorded: ${why}.`),
        );
      }
      return undefined;
    }
    if (this.options.durability === 'sync') {
      return new Promise<void>((resolve, reject) => {
        this.buffer.push({ event, settle: { resolve, reject }, withdraw: awaited });
        // Writes on the next turn so concurrent emitAsync() calls share one commit.
        this.writeSoon();
      });
    }
    this.buffer.push({ event });
    if (this.buffer.length >= this.options.batch.maxSize) {
      this.writeSoon();
    } else if (this.timer === undefined && this.retryTimer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startWriting();
      }, this.options.batch.maxDelayMs);
    }
    return undefined;
  }

  /** Writes everything buffered now; rejects (records kept, retried later) when the store fails. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.writing) await this.writing;
      if (this.buffer.length === 0) return;
      this.clearRetry();
      const ok = await this.startWriting();
      if (!ok) {
        throw new AuditWriteError(
          `${this.buffer.length} audit record(s) could not be written yet (${this.counters.lastError}); ` +
            `they stay buffered and are retried.`,
        );
      }
    }
  }

  /** Final flush at shutdown; reports loudly what could not be written. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      this.logger.error(
        `Shutdown: ${this.buffer.length} audit record(s) could not be written and are lost: ${errorMessage(error)}`,
      );
    } finally {
      this.closed = true;
      this.clearRetry();
      if (this.timer) clearTimeout(this.timer);
      if (this.immediate) clearImmediate(this.immediate);
      this.timer = undefined;
      this.immediate = undefined;
      for (const pending of this.buffer)
        pending.settle?.reject(new AuditWriteError('The audit trail was closed.'));
      this.buffer = [];
    }
  }

  /** Writes on the next turn of the event loop (once, however many records arrive before it). */
  private writeSoon(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.startWriting();
    });
  }

  private startWriting(): Promise<boolean> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Writes batches until the buffer is empty (true) or a write fails (false, retry scheduled). */
  private async writeAll(): Promise<boolean> {
    while (this.buffer.length > 0) {
      if (!(await this.writeHead(Math.min(this.buffer.length, this.options.batch.maxSize)))) return false;
    }
    return true;
  }

  /**
   * Writes the first `count` buffered records. When the store refuses the records themselves (not a failing
   * store: `isRecordRefusal`), halves the batch until the refused record is alone, and sets it aside, so that the
   * records behind it are written. False when the store failed (a retry is scheduled).
   */
  private async writeHead(count: number): Promise<boolean> {
    const batch = this.buffer.slice(0, count);
    const error = await this.append(batch.map((pending) => (pending.entry ??= this.toEntry(pending.event))));
    if (error === undefined) {
      // Records are only ever added at the end, so the batch is still the head of the buffer.
      this.buffer.splice(0, batch.length);
      this.counters.written += batch.length;
      this.consecutiveFailures = 0;
      this.counters.lastError = undefined;
      for (const pending of batch) pending.settle?.resolve();
      this.integrity.committed?.(batch.length);
      return true;
    }
    if (!isRecordRefusal(error.thrown)) {
      this.failed(batch, error.thrown);
      return false;
    }
    if (count > 1) {
      const half = Math.ceil(count / 2);
      return (await this.writeHead(half)) && this.writeHead(count - half);
    }
    return this.setAside(batch[0], error.thrown);
  }

  /** Appends entries; what the store threw, wrapped, or undefined on success. Reports the write either way. */
  private async append(entries: AuditEntry[]): Promise<{ thrown: unknown } | undefined> {
    const started = performance.now();
    try {
      await this.store.append(entries, this.integrity.append);
    } catch (thrown) {
      this.telemetry?.auditWritten(entries.length, performance.now() - started, 'failure');
      return { thrown };
    }
    this.telemetry?.auditWritten(entries.length, performance.now() - started, 'success');
    return undefined;
  }

  /**
   * A record the store refused, alone at the head of the buffer: writes a placeholder marked `$refused` in its
   * place (or nothing, when the store refuses that too), says so loudly, and takes it out of the buffer. False when
   * the store failed while writing the placeholder (a retry is scheduled).
   */
  private async setAside(pending: Pending, refusal: unknown): Promise<boolean> {
    const reason = errorMessage(refusal);
    const event = pending.event;
    const again = await this.append([placeholderEntry(pending.entry!, reason)]);
    if (again !== undefined && !isRecordRefusal(again.thrown)) {
      this.failed([pending], again.thrown);
      return false;
    }
    this.buffer.splice(0, 1);
    this.counters.refused++;
    if (again === undefined) this.integrity.committed?.(1);
    this.telemetry?.auditRecordsFlagged?.(1, 'refused');
    const outcome =
      again === undefined
        ? 'a placeholder marked $refused was written in its place'
        : `the placeholder was refused too (${errorMessage(again.thrown)}), so nothing was written for it`;
    this.logger.error(
      `Audit record of "${event.type}" (${event.id}) was refused by the store: ${reason}; ${outcome}. ` +
        `The records behind it are written. ${this.counters.refused} refused so far.`,
    );
    pending.settle?.reject(
      new AuditWriteError(`The audit store refused the record of ${event.id} (${reason}); ${outcome}.`),
    );
    return true;
  }

  private failed(batch: Pending[], error: unknown): void {
    const message = errorMessage(error);
    this.counters.writeFailures++;
    this.counters.lastError = message;
    this.consecutiveFailures++;
    const kept = this.settleFailed(batch, error, message);
    const delay = backoffDelay(RETRY_BACKOFF, this.consecutiveFailures);
    this.logger.error(
      `Writing ${batch.length} audit record(s) failed (${message}); ${this.buffer.length} buffered, ` +
        `retrying in ${delay} ms.`,
    );
    if (kept < batch.length) {
      this.logger.error(
        `${batch.length - kept} audit record(s) awaited by emitAsync() were withdrawn (durability 'sync'): their ` +
          `emitters got AuditWriteError and they are not written later. ${this.counters.withdrawn} withdrawn so far.`,
      );
    }
    if (this.closed) return;
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startWriting();
    }, delay);
  }

  /**
   * Tells the sync emitters of a failed batch (at the head of the buffer). An awaited record is withdrawn: its
   * emitter's rejection is final. Any other stays queued and is retried. Returns how many stayed.
   */
  private settleFailed(batch: Pending[], error: unknown, message: string): number {
    const kept: Pending[] = [];
    for (const pending of batch) {
      const id = pending.event.id;
      if (pending.withdraw === true) {
        pending.settle?.reject(
          new AuditWriteError(
            `The audit record of ${id} was NOT written and will not be (the store failed: ${message}). ` +
              `The event's handlers have run; emit it again once the store is back if it must be recorded.`,
            { cause: error },
          ),
        );
        this.counters.withdrawn++;
        continue;
      }
      // The emitter learns the record is not committed yet; the record itself stays queued.
      pending.settle?.reject(
        new AuditWriteError(`The audit record of ${id} is not written yet: ${message}. It is retried.`, {
          cause: error,
        }),
      );
      pending.settle = undefined;
      kept.push(pending);
    }
    if (kept.length < batch.length) {
      this.buffer.splice(0, batch.length, ...kept);
      this.telemetry?.auditRecordsFlagged?.(batch.length - kept.length, 'withdrawn');
    }
    return kept.length;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private toEntry(event: BusEvent): AuditEntry {
    const { entry, truncated, sanitized } = makeAuditEntry(event, this.options.maxRecordBytes);
    if (truncated) this.counters.truncated++;
    if (sanitized.length > 0) {
      this.counters.sanitized++;
      this.telemetry?.auditRecordsFlagged?.(1, 'sanitized');
      this.logger.warn(
        `Audit record of "${entry.type}" (${entry.eventId}): ${sanitized.join(', ')} held text a store cannot ` +
          `write (NUL, CR, LF, a lone surrogate, or over 200 characters); stored sanitised (U+FFFD). ` +
          `${this.counters.sanitized} sanitised so far.`,
      );
    }
    return entry;
  }
}
