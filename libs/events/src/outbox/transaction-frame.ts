import type { OutboxEntry } from '../bus/ports/outbox-store.port';

/** What a frame writes to and wakes: the outbox of one bus (two apps in one process have one each). */
export interface FrameOutbox {
  /** Writes `entries`, in order, through the transaction object `tx` (the transaction's own connection). */
  write(tx: unknown, entries: readonly OutboxEntry[]): Promise<void>;
  /** Rows this outbox wrote in a transaction are committed: deliver them soon. */
  committed(): void;
}

/**
 * The events emitted inside one database transaction (or one savepoint), waiting for it to end. Kept in the
 * nestjs-cls context of the transaction under `OUTBOX_FRAME_KEY`. Each event is kept with the outbox that
 * captured it; once the transaction's function returned, the frame writes them all through the transaction
 * before it commits, and after the commit wakes each outbox that wrote rows. On a rollback they are dropped.
 */
export class TransactionFrame {
  /** The transaction object the adapter opened (what `TransactionHost.tx` gives inside it). */
  tx: unknown;
  private open = true;
  private pending = new Map<FrameOutbox, OutboxEntry[]>();
  /** Outboxes whose rows this transaction (or a savepoint released into it) wrote. */
  private readonly wrote = new Set<FrameOutbox>();

  constructor(
    /** The frame that was current when this one opened (of any transaction), or undefined. */
    readonly outer: TransactionFrame | undefined,
    /** For a savepoint: the frame of the transaction it is part of (its rows commit with that one). */
    readonly savepointOf?: TransactionFrame,
  ) {}

  /** True until the transaction's function returned (then writing began) or the transaction failed. */
  get isOpen(): boolean {
    return this.open;
  }

  /** The frame of transaction `tx`: this one or one it is nested in. */
  find(tx: unknown): TransactionFrame | undefined {
    if (this.tx === tx) return this;
    return this.outer?.find(tx);
  }

  /** Keeps `entry` for `outbox`; false when the frame takes no more events (its transaction is ending). */
  add(outbox: FrameOutbox, entry: OutboxEntry): boolean {
    if (!this.open) return false;
    const entries = this.pending.get(outbox);
    if (entries === undefined) this.pending.set(outbox, [entry]);
    else entries.push(entry);
    return true;
  }

  /**
   * The transaction's function returned: writes every kept event through the transaction, one `enqueue` per
   * outbox, before the adapter commits. Events emitted while writing (by work the function left running) are
   * written too. A failing write rejects: the transaction then rolls back.
   */
  async flush(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = this.pending;
        this.pending = new Map();
        for (const [outbox, entries] of batch) {
          await outbox.write(this.tx, entries);
          this.wrote.add(outbox);
        }
      }
    } finally {
      this.open = false;
    }
  }

  /**
   * The transaction committed (or the savepoint was released): wakes the outboxes that wrote rows, or, for a
   * savepoint, hands them to its transaction, which wakes them once it commits.
   */
  committed(): void {
    this.open = false;
    const into = this.savepointOf;
    for (const outbox of this.wrote) {
      if (into === undefined) outbox.committed();
      else into.wrote.add(outbox);
    }
    this.wrote.clear();
  }

  /** The transaction rolled back (or failed to commit): its events never happened. */
  rolledBack(): void {
    this.open = false;
    this.pending.clear();
    this.wrote.clear();
  }
}
