import type { Logger } from '@nestjs/common';
import type { DeadLetter } from '../bus/bus.interfaces';
import type { BusObserver, HandlerOutcome } from '../bus/bus-observer';
import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import type { TraceEntry, TraceStore } from './trace-store.port';

/** How the recorder writes: who it is, how often it flushes, how much it may hold. */
export interface TraceRecorderSettings {
  readonly source: string;
  readonly instance: string;
  readonly flushMs: number;
  readonly maxBuffered: number;
}

/**
 * Records this process's part of every story into the trace store: each event it builds, each handler attempt
 * it runs (events that arrive from a transport included) and each dead letter it keeps. A bus observer: it
 * only queues a plain object on the bus's path; a timer writes the queue in batches. A failing store costs the
 * trace, never the bus: entries are dropped (counted, logged once per failure streak).
 */
export class TraceRecorder implements BusObserver {
  private buffer: TraceEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failing = false;
  /** Entries dropped: buffer full or store failing. */
  dropped = 0;

  constructor(
    private readonly store: TraceStore,
    private readonly settings: TraceRecorderSettings,
    private readonly logger: Logger,
  ) {}

  onEvent(event: BusEvent): undefined {
    this.add({
      kind: 'event',
      ...this.origin(event.correlationId),
      id: event.id,
      type: event.type,
      version: event.version,
      timestamp: event.timestamp,
      causationId: event.causationId,
      actorId: event.actorId,
      eventSource: event.source,
      severity: event.severity,
      data: event.data,
    });
    return undefined;
  }

  onHandlerSettled(
    event: BusEvent,
    handler: string,
    outcome: HandlerOutcome,
    durationMs: number | undefined,
  ): void {
    this.add({
      kind: 'attempt',
      ...this.origin(event.correlationId),
      eventId: event.id,
      handler,
      outcome,
      endedAt: new Date().toISOString(),
      durationMs: durationMs === undefined ? undefined : Math.round(durationMs * 1000) / 1000,
    });
  }

  onDeadLetter(letter: DeadLetter): void {
    this.add({
      kind: 'dead-letter',
      ...this.origin(letter.event.correlationId),
      eventId: letter.event.id,
      handler: letter.handler,
      deadLetterId: letter.id,
      attempts: letter.attempts,
      failedAt: letter.failedAt,
      error: `${letter.error.name}: ${letter.error.message}`,
    });
  }

  /** Writes what is queued now (and waits for a write already under way). Never rejects. */
  flush(): Promise<void> {
    this.clearTimer();
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => (batch.length === 0 ? undefined : this.write(batch)));
    return this.writing;
  }

  /** Final flush at shutdown. */
  async close(): Promise<void> {
    await this.flush();
    this.clearTimer();
  }

  private origin(correlationId: string): { correlationId: string; source: string; instance: string } {
    return { correlationId, source: this.settings.source, instance: this.settings.instance };
  }

  private add(entry: TraceEntry): void {
    if (this.buffer.length >= this.settings.maxBuffered) {
      this.dropped++;
      return;
    }
    this.buffer.push(entry);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.settings.flushMs);
      this.timer.unref();
    }
  }

  private async write(batch: TraceEntry[]): Promise<void> {
    try {
      await this.store.append(batch);
      if (this.failing) this.logger.log('The trace store takes entries again.');
      this.failing = false;
    } catch (error) {
      this.dropped += batch.length;
      if (!this.failing) {
        this.logger.warn(
          `The trace store refused ${batch.length} entries (${errorMessage(error)}); stories miss them. ` +
            'Told once until it recovers.',
        );
      }
      this.failing = true;
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
