import type { Logger } from '@nestjs/common';
import { backoffDelay, type Backoff } from '../common/backoff';
import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import { envelopeColumns } from '../event/event-envelope';
import { setMember } from '../event/json/json-payload';
import type { AuditTelemetry } from './audit.telemetry';
import { AuditWriteError } from '../errors/audit-write.error';
import { CanonicalJsonError } from '../errors/canonical-json.error';
import type { AuditEntry, AuditStore } from './audit.interfaces';
import type { ResolvedAuditOptions } from './audit.options';
import { canonicalJson, wellFormedString } from '../event/json/canonical-json';

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
  /** The last write error, if the last attempt failed. */
  lastError?: string;
}

interface Pending {
  /** The event is turned into its entry when its batch is written, not on the emitting path. */
  event: BusEvent;
  entry?: AuditEntry;
  /** Sync durability: settles the emitter's promise once (later retries settle nobody). */
  settle?: { resolve: () => void; reject: (error: Error) => void };
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
  };

  constructor(
    private readonly store: AuditStore,
    private readonly options: ResolvedAuditOptions,
    private readonly logger: Logger,
    private readonly telemetry?: AuditTelemetry,
  ) {}

  stats(): AuditWriterStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** Queues the event's record; in sync mode, returns the promise of its commit. */
  add(event: BusEvent): Promise<void> | undefined {
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
        this.buffer.push({ event, settle: { resolve, reject } });
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
      const batch = this.buffer.slice(0, this.options.batch.maxSize);
      const started = performance.now();
      try {
        await this.store.append(batch.map((pending) => (pending.entry ??= this.toEntry(pending.event))));
      } catch (error) {
        this.telemetry?.auditWritten(batch.length, performance.now() - started, 'failure');
        this.failed(batch, error);
        return false;
      }
      this.telemetry?.auditWritten(batch.length, performance.now() - started, 'success');
      // Records are only ever added at the end, so the batch is still the head of the buffer.
      this.buffer.splice(0, batch.length);
      this.counters.written += batch.length;
      this.consecutiveFailures = 0;
      this.counters.lastError = undefined;
      for (const pending of batch) pending.settle?.resolve();
    }
    return true;
  }

  private failed(batch: Pending[], error: unknown): void {
    const message = errorMessage(error);
    this.counters.writeFailures++;
    this.counters.lastError = message;
    this.consecutiveFailures++;
    const delay = backoffDelay(RETRY_BACKOFF, this.consecutiveFailures);
    this.logger.error(
      `Writing ${batch.length} audit record(s) failed (${message}); ${this.buffer.length} buffered, ` +
        `retrying in ${delay} ms.`,
    );
    for (const pending of batch) {
      // The emitter learns the record is not committed yet; the record itself stays queued.
      pending.settle?.reject(
        new AuditWriteError(
          `The audit record of ${pending.event.id} is not written yet: ${message}. It is retried.`,
          {
            cause: error,
          },
        ),
      );
      pending.settle = undefined;
    }
    if (this.closed) return;
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startWriting();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private toEntry(event: BusEvent): AuditEntry {
    return {
      eventId: event.id,
      ...envelopeColumns(event, AUDITED_FIELDS),
      data: this.dataText(event.data),
    };
  }

  /** The payload's canonical JSON, truncated with a marker when over `maxRecordBytes`. */
  private dataText(data: unknown): string {
    let text: string;
    try {
      text = canonicalJson(data);
    } catch (error) {
      if (!(error instanceof CanonicalJsonError)) throw error;
      // Lone surrogates have no canonical form (and would not survive UTF-8 storage): store U+FFFD instead.
      // Anything else a frozen event payload cannot hold; kept as a marker rather than blocking the queue.
      try {
        text = canonicalJson(wellFormed(data));
      } catch (again) {
        text = canonicalJson({ $unserializable: errorMessage(again) });
      }
    }
    const limit = this.options.maxRecordBytes;
    // A UTF-16 unit is at most 3 UTF-8 bytes, so short texts need no byte count.
    if (text.length * 3 <= limit) return text;
    const bytes = Buffer.byteLength(text);
    if (bytes <= limit) return text;
    this.counters.truncated++;
    const preview = wellFormedString(text.slice(0, Math.floor(limit / 4)));
    return canonicalJson({ $truncated: { originalBytes: bytes, preview } });
  }
}

/** The envelope fields a record keeps, in its column order, between `eventId` and `data`. */
const AUDITED_FIELDS = [
  'type',
  'version',
  'timestamp',
  'correlationId',
  'causationId',
  'actorId',
  'source',
  'severity',
] as const;

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedString(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setMember(out, wellFormedString(key), wellFormed(item));
    return out;
  }
  return value;
}
