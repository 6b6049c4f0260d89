import type { BusEvent } from '../event/bus-event.interface';
import { decodeEvent } from '../event/event.codec';
import type { DeadLetter } from '../bus/bus.interfaces';
import { MemoryDeadLetterStore } from '../bus/memory-dead-letter.store';

/** One published event, as the broker keeps it. */
export interface BrokerEntry {
  readonly seq: number;
  /** When it was published (ms since the epoch), for `replay()`. */
  readonly at: number;
  /** The event's exact JSON, decoded afresh for every delivery as a real transport would. */
  readonly encoded: { readonly headers: Readonly<Record<string, string>>; readonly body: string };
  readonly type: string;
}

/** An entry handed to a consumer of a group and not yet acknowledged. */
export interface PendingEntry {
  readonly entry: BrokerEntry;
  /** Set for a durable retry: only these handlers run. */
  readonly handlers: readonly string[] | undefined;
  /** The durable round (1 = first delivery). */
  readonly attempt: number;
  /** How many times the entry was handed out, this time included. */
  deliveries: number;
  owner: BrokerConsumer | undefined;
  /** When it was last handed out (ms), for claiming. */
  since: number;
}

/** What the broker needs of one consumer (an `InMemoryTransport` that consumes). */
export interface BrokerConsumer {
  readonly name: string;
  /** Whether it can take one more entry now. */
  hasRoom(): boolean;
  /** Whether it is alive: a crashed or closed consumer's entries are claimed by peers. */
  isAlive(): boolean;
  accepts(type: string): boolean;
  take(pending: PendingEntry): void;
}

/** One service's consumer group: where it is in the log, what waits, what is pending, its dead letters. */
export class BrokerGroup {
  readonly consumers: BrokerConsumer[] = [];
  readonly waiting: PendingEntry[] = [];
  readonly pending = new Set<PendingEntry>();
  readonly deadLetters = new MemoryDeadLetterStore(10_000);
  private turn = 0;

  constructor(readonly name: string) {}

  /** Hands waiting entries to live consumers with room, in turn; refused types are acknowledged at once. */
  pump(): void {
    while (this.waiting.length > 0) {
      const pending = this.waiting[0];
      const consumer = this.nextWithRoom();
      if (consumer === undefined) return;
      this.waiting.shift();
      if (!consumer.accepts(pending.entry.type)) continue;
      pending.deliveries++;
      pending.owner = consumer;
      pending.since = Date.now();
      this.pending.add(pending);
      consumer.take(pending);
    }
  }

  /**
   * Takes back the entries of consumers that are gone, idle for `idleMs`, to hand them out again; those past
   * `maxDeliveries` are returned as poisoned instead, to be dead-lettered.
   */
  claim(idleMs: number, maxDeliveries: number): { claimed: number; poisoned: PendingEntry[] } {
    const poisoned: PendingEntry[] = [];
    let claimed = 0;
    const now = Date.now();
    for (const pending of this.pending) {
      if (pending.owner?.isAlive() !== false || now - pending.since < idleMs) continue;
      this.pending.delete(pending);
      pending.owner = undefined;
      if (pending.deliveries >= maxDeliveries) poisoned.push(pending);
      else {
        this.waiting.push(pending);
        claimed++;
      }
    }
    this.pump();
    return { claimed, poisoned };
  }

  private nextWithRoom(): BrokerConsumer | undefined {
    for (let i = 0; i < this.consumers.length; i++) {
      const consumer = this.consumers[(this.turn + i) % this.consumers.length];
      if (consumer.isAlive() && consumer.hasRoom()) {
        this.turn = (this.turn + i + 1) % this.consumers.length;
        return consumer;
      }
    }
    return undefined;
  }
}

/**
 * A message broker in memory, shared by the `InMemoryTransport`s that should talk to each other (several apps in
 * one test process: services and instances). Every group gets every entry published after it was created;
 * consumers of one group share them.
 */
export class InMemoryBroker {
  readonly log: BrokerEntry[] = [];
  private readonly groups = new Map<string, BrokerGroup>();
  private seq = 0;

  /** The group of a service, made (at the end of the log) on first use. */
  group(name: string): BrokerGroup {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new BrokerGroup(name);
      this.groups.set(name, group);
    }
    return group;
  }

  append(type: string, encoded: BrokerEntry['encoded']): void {
    const entry: BrokerEntry = { seq: ++this.seq, at: Date.now(), encoded, type };
    this.log.push(entry);
    for (const group of this.groups.values()) {
      group.waiting.push({
        entry,
        handlers: undefined,
        attempt: 1,
        deliveries: 0,
        owner: undefined,
        since: 0,
      });
      group.pump();
    }
  }

  /**
   * After `delayMs`, puts an entry back in a group's queue for one handler only (a durable retry). The schedule
   * is the broker's: it survives the consumer that asked for it.
   */
  retryLater(
    group: BrokerGroup,
    entry: BrokerEntry,
    handler: string,
    attempt: number,
    delayMs: number,
  ): void {
    this.later(delayMs, () => {
      group.waiting.push({ entry, handlers: [handler], attempt, deliveries: 0, owner: undefined, since: 0 });
      group.pump();
    });
  }

  /** After `delayMs`, puts an entry whose delivery failed back in its group's queue. */
  requeueLater(group: BrokerGroup, pending: PendingEntry, delayMs: number): void {
    this.later(delayMs, () => {
      group.waiting.push(pending);
      group.pump();
    });
  }

  private later(delayMs: number, run: () => void): void {
    setTimeout(run, delayMs).unref();
  }

  /** Every dead letter of every group (for assertions). */
  deadLetters(): DeadLetter[] {
    return [...this.groups.values()].flatMap((group) => group.deadLetters.list());
  }

  /** Published entries, for assertions: the events as they crossed. */
  published(): readonly BusEvent[] {
    return this.log.map((entry) => decodeEvent(entry.encoded.headers, entry.encoded.body));
  }
}
