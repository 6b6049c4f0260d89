import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterQuery, HandlerFailure } from '../bus/bus.interfaces';
import type { DeadLetterStore } from '../bus/ports/dead-letter-store.port';
import type {
  ConsumeOptions,
  DeliverInbound,
  EventTransport,
  InboundDelivery,
  SettleReport,
  TransportReplayQuery,
  TransportStats,
} from '../bus/ports/event-transport.port';
import { backoffDelay } from '../common/backoff';
import type { BusEvent } from '../event/bus-event.interface';
import { decodeEvent, encodeEvent, traceOfHeaders, type EventTraceContext } from '../event/event.codec';
import { InMemoryBroker, type BrokerConsumer, type BrokerGroup, type PendingEntry } from './in-memory.broker';

/** Options of `InMemoryTransport`; times are short by default, for tests. */
export interface InMemoryTransportOptions {
  /** The broker shared by the transports that talk to each other; default a broker of this transport's own. */
  broker?: InMemoryBroker;
  /** Entries handled at once by this consumer; default 32. */
  maxInFlight?: number;
  /** How long a crashed consumer's entry waits before a peer claims it; default 200 ms. */
  claimIdleMs?: number;
  /** Deliveries of one entry after which it is dead-lettered without running (a handler that kills); default 5. */
  maxDeliveries?: number;
  /** Durable retries of a failed handler: rounds in all and the delay before each; default 3 rounds, 50 ms × 2. */
  redelivery?: { attempts?: number; delayMs?: number; factor?: number; maxDelayMs?: number };
}

/**
 * A transport for tests that behaves like a broker with at-least-once delivery, in memory: every service (group)
 * gets each event, instances of one service share them, a failed handler is retried durably then dead-lettered,
 * an entry whose delivery failed is delivered again, and the entries of a consumer that `crash()`es are claimed by
 * a peer after `claimIdleMs`. Events cross as their exact JSON. Give the apps that should talk one `broker`.
 */
export class InMemoryTransport implements EventTransport, BrokerConsumer {
  readonly name = 'in-memory';
  readonly remote = true;
  readonly broker: InMemoryBroker;
  readonly deadLetters: DeadLetterStore;
  readonly consumerName = `in-memory:${randomUUID().slice(0, 8)}`;
  private readonly maxInFlight: number;
  private readonly claimIdleMs: number;
  private readonly maxDeliveries: number;
  private readonly redelivery: { attempts: number; baseMs: number; factor: number; maxMs: number };
  private group: BrokerGroup | undefined;
  private deliver: DeliverInbound | undefined;
  private acceptsType: (type: string) => boolean = () => false;
  private readonly inHand = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private state: 'new' | 'consuming' | 'closing' | 'closed' | 'crashed' = 'new';
  private readonly counts = { published: 0, consumed: 0, acked: 0, retried: 0, deadLettered: 0, claimed: 0 };

  constructor(options: InMemoryTransportOptions = {}) {
    this.broker = options.broker ?? new InMemoryBroker();
    this.maxInFlight = options.maxInFlight ?? 32;
    this.claimIdleMs = options.claimIdleMs ?? 200;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    const redelivery = options.redelivery ?? {};
    this.redelivery = {
      attempts: redelivery.attempts ?? 3,
      baseMs: redelivery.delayMs ?? 50,
      factor: redelivery.factor ?? 2,
      maxMs: redelivery.maxDelayMs ?? 5_000,
    };
    this.deadLetters = groupDeadLetters(() => this.group?.deadLetters);
  }

  async publish(
    events: readonly BusEvent[],
    traces?: readonly (EventTraceContext | undefined)[],
  ): Promise<void> {
    if (this.state === 'closed' || this.state === 'crashed') {
      throw new Error(
        `InMemoryTransport: publish() after ${this.state === 'closed' ? 'close()' : 'crash()'}.`,
      );
    }
    const encoded = events.map((event, i) => ({
      type: event.type,
      encoded: encodeEvent(event, traces?.[i]),
    }));
    for (const { type, encoded: entry } of encoded) this.broker.append(type, entry);
    this.counts.published += events.length;
  }

  async consume(deliver: DeliverInbound, options: ConsumeOptions): Promise<void> {
    this.deliver = deliver;
    this.acceptsType = options.accepts;
    this.group = this.broker.group(options.group);
    this.state = 'consuming';
    this.group.consumers.push(this);
    this.every(Math.max(10, this.claimIdleMs / 4), () => this.claim());
    this.group.pump();
  }

  /** Simulates a process killed mid-work: it stops at once, settles nothing, and peers claim what it held. */
  crash(): void {
    this.state = 'crashed';
    this.deliver = undefined;
    this.stopTimers();
  }

  /** Stops taking entries, finishes (and settles) those in hand, then leaves the group. */
  async close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'crashed') return;
    this.state = 'closing';
    this.stopTimers();
    while (this.inHand.size > 0) await Promise.allSettled([...this.inHand]);
    this.state = 'closed';
    this.group?.pump();
  }

  async replay(query: TransportReplayQuery, deliver: DeliverInbound): Promise<{ delivered: number }> {
    let delivered = 0;
    for (const entry of this.broker.log) {
      if (entry.at < query.from.getTime() || entry.at > query.to.getTime()) continue;
      if (query.accepts !== undefined && !query.accepts(entry.type)) continue;
      const event = decodeEvent(entry.encoded.headers, entry.encoded.body);
      await deliver({
        event,
        attempt: 1,
        replay: true,
        ...traceOf(entry.encoded.headers),
        settle: async () => ({ retried: [], deadLettered: [] }),
      });
      delivered++;
    }
    return { delivered };
  }

  async stats(): Promise<TransportStats> {
    const lag = this.group?.waiting.length ?? 0;
    return { ...this.counts, reconnects: 0, dropped: 0, inFlight: this.inHand.size, lag: { events: lag } };
  }

  hasRoom(): boolean {
    return this.state === 'consuming' && this.inHand.size < this.maxInFlight;
  }

  isAlive(): boolean {
    return this.state === 'consuming' || this.state === 'closing';
  }

  accepts(type: string): boolean {
    return this.acceptsType(type);
  }

  take(pending: PendingEntry): void {
    const deliver = this.deliver!;
    this.counts.consumed++;
    const event = decodeEvent(pending.entry.encoded.headers, pending.entry.encoded.body);
    let settled = false;
    const delivery: InboundDelivery = {
      event,
      attempt: pending.attempt,
      handlers: pending.handlers,
      ...traceOf(pending.entry.encoded.headers),
      settle: (failures) => {
        settled = true;
        return Promise.resolve(this.settle(pending, event, failures));
      },
    };
    const work = deliver(delivery).then(
      () => (settled ? undefined : this.nack(pending)),
      () => this.nack(pending),
    );
    this.inHand.add(work);
    void work.finally(() => {
      this.inHand.delete(work);
      this.group?.pump();
    });
  }

  private settle(pending: PendingEntry, event: BusEvent, failures: readonly HandlerFailure[]): SettleReport {
    const group = this.group!;
    // A crashed consumer's late settle is the work of a dead process: its entry is a peer's to claim.
    if (this.state === 'crashed' || pending.owner !== this) return { retried: [], deadLettered: [] };
    const retried: { handler: string; attempt: number; delayMs: number }[] = [];
    const deadLettered: DeadLetter[] = [];
    for (const failure of failures) {
      if (pending.attempt < this.redelivery.attempts) {
        const delayMs = backoffDelay({ ...this.redelivery, jitter: 0 }, pending.attempt);
        const attempt = pending.attempt + 1;
        retried.push({ handler: failure.handler, attempt, delayMs });
        this.broker.retryLater(group, pending.entry, failure.handler, attempt, delayMs);
      } else {
        deadLettered.push(letterOf(event, failure.handler, failure.error, pending.attempt));
      }
    }
    for (const letter of deadLettered) group.deadLetters.add(letter);
    group.pending.delete(pending);
    this.counts.acked++;
    this.counts.retried += retried.length;
    this.counts.deadLettered += deadLettered.length;
    return { retried, deadLettered };
  }

  /** A delivery that failed before settling: the entry goes back to the group, as an unacknowledged one would. */
  private nack(pending: PendingEntry): void {
    const group = this.group;
    if (group === undefined || !group.pending.delete(pending)) return;
    pending.owner = undefined;
    if (pending.deliveries >= this.maxDeliveries) this.poisoned(group, pending);
    else this.broker.requeueLater(group, pending, this.redelivery.baseMs);
  }

  private claim(): void {
    const group = this.group;
    if (group === undefined || this.state !== 'consuming') return;
    const { claimed, poisoned } = group.claim(this.claimIdleMs, this.maxDeliveries);
    for (const pending of poisoned) this.poisoned(group, pending);
    this.counts.claimed += claimed;
  }

  private poisoned(group: BrokerGroup, pending: PendingEntry): void {
    const event = decodeEvent(pending.entry.encoded.headers, pending.entry.encoded.body);
    const error = new Error(
      `Delivered ${pending.deliveries} times without being settled (maxDeliveries ${this.maxDeliveries}).`,
    );
    group.deadLetters.add(letterOf(event, '*', error, pending.deliveries));
    this.counts.deadLettered++;
  }

  private every(intervalMs: number, run: () => void): void {
    const timer = setInterval(run, intervalMs);
    timer.unref();
    this.timers.add(timer);
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** `{ trace }` when the headers carry a trace context (a delivery's `trace`), else nothing. */
function traceOf(headers: Readonly<Record<string, string>>): { trace?: EventTraceContext } {
  const trace = traceOfHeaders(headers);
  return trace === undefined ? {} : { trace };
}

function letterOf(event: BusEvent, handler: string, error: Error, attempts: number): DeadLetter {
  return {
    id: randomUUID(),
    event,
    handler,
    error: { name: error.name, message: error.message, stack: error.stack },
    attempts,
    failedAt: new Date().toISOString(),
  };
}

/** The dead letters of the group this transport joined (none before it consumes). */
function groupDeadLetters(group: () => DeadLetterStore | undefined): DeadLetterStore {
  return {
    add: (letter) => group()?.add(letter),
    get: (id) => group()?.get(id),
    remove: (id) => group()?.remove(id),
    list: (query?: DeadLetterQuery) => group()?.list(query) ?? [],
    get total() {
      return group()?.total ?? 0;
    },
  };
}
