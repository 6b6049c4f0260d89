import { Logger } from '@nestjs/common';
import type { EventOutbox, OutboxBusSide, OutboxHealth, OutboxStats } from '../bus/ports/event-outbox.port';
import type { OutboxEntry, OutboxRecord, SqlExecutor } from '../bus/ports/outbox-store.port';
import { errorMessage } from '../common/error-message';
import { OUTBOX_FRAME_KEY, type EventContextStore } from '../context/context.keys';
import type { BusEvent } from '../event/bus-event.interface';
import { decodeEvent, encodeEvent, traceOfHeaders } from '../event/event.codec';
import type { ResolvedOutboxOptions } from './outbox-module.options';
import type { OutboxDeliver, ResolvedOutboxRelayOptions } from './outbox.options';
import { executorResolver } from './sql-executors';
import type { FrameOutbox, TransactionFrame } from './transaction-frame';
import type { TransactionHostLoader } from './transaction-host.loader';

/** What the outbox uses of a relay (`OutboxRelay`). */
export interface OutboxRelayLike {
  start(): void | Promise<void>;
  /** Claims again now: rows were committed. */
  wake(): void;
  /** Stops claiming; resolves once the rows in hand are settled. */
  stop(): Promise<void>;
  /** Claims that returned rows, rows delivered, deliveries that failed. */
  stats(): { readonly batches: number; readonly published: number; readonly failures: number };
}

/** Makes the relay of an outbox, delivering each claimed row through `deliver`. */
export type RelayFactory = (
  store: ResolvedOutboxOptions['store'],
  deliver: OutboxDeliver,
  options: ResolvedOutboxRelayOptions,
) => OutboxRelayLike;

const NO_RELAY = { batches: 0, published: 0, failures: 0 };

/**
 * The bus's outbox (the `EventOutbox` port): takes the events emitted inside a transaction of the app's
 * `@nestjs-cls/transactional` host into that transaction's frame (see `transactionalOutbox()`), writes them as rows
 * through the transaction when it ends, and runs the relay that hands committed rows back to the bus.
 */
export class BusOutbox implements EventOutbox, FrameOutbox {
  private bus: OutboxBusSide | undefined;
  private relay: OutboxRelayLike | undefined;
  private warned = false;
  private readonly executorFor: (tx: unknown) => SqlExecutor;

  constructor(
    private readonly options: ResolvedOutboxOptions,
    private readonly hosts: TransactionHostLoader,
    private readonly makeRelay: RelayFactory,
    private readonly logger: Pick<Logger, 'warn'> = new Logger('EventOutbox'),
  ) {
    this.executorFor = executorResolver(options.executor);
  }

  attach(bus: OutboxBusSide): void {
    this.bus = bus;
  }

  capture(event: BusEvent, store: EventContextStore | null): boolean {
    const current = store?.[OUTBOX_FRAME_KEY] as TransactionFrame | undefined;
    const frame = current === undefined ? undefined : this.frameFor(current);
    if (frame === undefined) {
      if (!this.warned && store !== null) this.warnIfUnwrapped(event);
      return false;
    }
    return frame.add(this, this.entryOf(event));
  }

  write(tx: unknown, entries: readonly OutboxEntry[]): Promise<void> {
    return this.options.store.enqueue(this.executorFor(tx), entries);
  }

  committed(): void {
    this.relay?.wake();
  }

  async start(): Promise<void> {
    this.hosts.settle();
    const relayOptions = this.options.relay;
    if (relayOptions === false || this.relay !== undefined) return;
    this.relay = this.makeRelay(this.options.store, (record) => this.deliver(record), relayOptions);
    await this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
  }

  async stats(): Promise<OutboxStats> {
    const { rows, oldestAt } = await this.options.store.inspect();
    const { batches, published, failures } = this.relay?.stats() ?? NO_RELAY;
    return { rows, oldestAt, batches, published, failures };
  }

  async health(): Promise<OutboxHealth> {
    const { store, maxAgeMs, relay } = this.options;
    const about = { store: store.description, relay: relay !== false, maxAgeMs };
    let depth: Awaited<ReturnType<typeof store.inspect>>;
    try {
      depth = await store.inspect();
    } catch (error) {
      return { up: false, reason: `the outbox store cannot be read: ${errorMessage(error)}`, details: about };
    }
    const ageMs = depth.oldestAt === undefined ? null : Math.max(0, Date.now() - depth.oldestAt.getTime());
    const details = {
      ...about,
      rows: depth.rows,
      oldestAgeMs: ageMs,
      failures: this.relay?.stats().failures ?? 0,
    };
    if (ageMs !== null && ageMs > maxAgeMs) {
      const reason = `the oldest outbox row has waited ${ageMs} ms (more than ${maxAgeMs})`;
      return { up: false, reason, details };
    }
    return { up: true, details };
  }

  /** The frame this outbox's transaction manager has open here, if any. */
  private frameFor(current: TransactionFrame): TransactionFrame | undefined {
    const host = this.hosts.find();
    // Without the host to tell which transaction belongs to the outbox's connection, the innermost one does.
    if (host === undefined) return current;
    return host.isTransactionActive() ? current.find(host.tx) : undefined;
  }

  /** An emit inside a transaction no frame holds: the adapter was not wrapped. Said once. */
  private warnIfUnwrapped(event: BusEvent): void {
    if (this.hosts.find()?.isTransactionActive() !== true) return;
    this.warned = true;
    this.logger.warn(
      `"${event.type}" was emitted inside a transaction whose @nestjs-cls/transactional adapter is not wrapped ` +
        'by transactionalOutbox(): it was dispatched at once, before the commit, and would be even after a ' +
        'rollback. Wrap the adapter: new ClsPluginTransactional({ adapter: transactionalOutbox(new ' +
        'TransactionalAdapterTypeOrm({ ... })) }) (transactionalOutbox from nestjs-event-bus/outbox). Said once.',
    );
  }

  private entryOf(event: BusEvent): OutboxEntry {
    const { headers, body } = encodeEvent(event, this.bus?.traceOf(event));
    return { eventId: event.id, type: event.type, key: this.options.key(event), headers, body };
  }

  /** Hands one committed row to the bus; rejects (the row is kept) when the transport did not take it. */
  private async deliver(record: OutboxRecord): Promise<void> {
    const bus = this.bus;
    if (bus === undefined) throw new Error('The outbox has no bus to deliver to.');
    const event = decodeEvent(record.headers, record.body);
    // Two bytes a character: the heap estimate the history's byte bound needs.
    await bus.deliver(event, 2 * record.body.length, traceOfHeaders(record.headers));
  }
}
