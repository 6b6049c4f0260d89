import { setImmediate, setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Transactional, TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { defineEvent, EventBusService, EventContext, OnEvent, type BusEvent } from 'nestjs-event-bus';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Records } from './records';

/**
 * The distributed event of every outbox fault scenario: order `n`, whose `key` is also its correlation id (so the
 * outbox's and the transport's default ordering key).
 */
export const OrderPlaced = defineEvent<{ n: number; key: string }>('order.placed', { distributed: true });

/** Keys per thousand orders. */
export const KEYS = 5;

/**
 * The key of order `n`: `key-<thousand>-<n % KEYS>`, so that writers given different thousands never share a key
 * (one writer's transactions on a key commit one after the other: their commit order is their order).
 */
export function keyOf(n: number): string {
  return `key-${Math.floor(n / 1000)}-${n % KEYS}`;
}

/** Orders with an even number commit, odd ones roll back. */
export function commits(n: number): boolean {
  return n % 2 === 0;
}

/** The application's table, written in the same transaction as the event (created by the test). */
@Entity({ name: 'fault_orders' })
export class OrderRow {
  @PrimaryColumn('integer')
  n!: number;

  @Column('varchar')
  key!: string;
}

/** Thrown to roll a transaction back. */
export class RolledBack extends Error {}

/** What a run of transactions did: the order numbers that committed, rolled back, and failed (with why). */
export interface Placed {
  readonly committed: number[];
  readonly rolledBack: number[];
  readonly failed: { readonly n: number; readonly error: string }[];
  /** The next order number (for `loop`). */
  readonly next: number;
}

/** The producer's service: one `@Transactional()` method that writes an order and emits its event. */
@Injectable()
export class Orders {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly bus: EventBusService,
    private readonly context: EventContext,
  ) {}

  /** Inserts order `n` and emits `order.placed`; then throws `RolledBack` when `n` is odd. */
  @Transactional()
  async place(n: number): Promise<string> {
    await this.txHost.tx.getRepository(OrderRow).insert({ n, key: keyOf(n) });
    const event = this.bus.emit(OrderPlaced, { n, key: keyOf(n) });
    if (!commits(n)) throw new RolledBack(String(n));
    return event.id;
  }

  /** Places orders from..from+count-1, one after the other. */
  placeRange(from: number, count: number, pauseMs: number): Promise<Placed> {
    return this.placeWhile(from, pauseMs, (n) => n < from + count);
  }

  /** Places orders from `from` on while `more(n)` holds, pausing `pauseMs` between them. */
  async placeWhile(from: number, pauseMs: number, more: (n: number) => boolean): Promise<Placed> {
    const placed: Placed = { committed: [], rolledBack: [], failed: [], next: from };
    let n = from;
    for (; more(n); n++) {
      try {
        await this.context.run(() => this.place(n), { correlationId: keyOf(n) });
        placed.committed.push(n);
      } catch (error) {
        if (error instanceof RolledBack) placed.rolledBack.push(n);
        else placed.failed.push({ n, error: String(error) });
      }
      // Between two transactions the event loop runs I/O, as between two requests: TypeORM's better-sqlite3
      // driver settles a transaction without any, and a loop of them would keep the relay from ever running.
      await (pauseMs > 0 ? delay(pauseMs) : setImmediate());
    }
    return { ...placed, next: n };
  }
}

/** One line of a record list: `<n> <child> <event id> <key>`. */
function line(records: Records, event: BusEvent<{ n: number; key: string }>): string {
  return `${event.data.n} ${records.name} ${event.id} ${event.data.key}`;
}

async function work(records: Records): Promise<void> {
  if (records.workMs > 0) await delay(records.workMs);
}

/** The producer's local listener: runs where the event was relayed, after its commit; records in `local`. */
@Injectable()
export class LocalLedger {
  constructor(private readonly records: Records) {}

  @OnEvent(OrderPlaced, { local: true, name: 'ledger.record' })
  async record(event: BusEvent<{ n: number; key: string }>): Promise<void> {
    await work(this.records);
    await this.records.push('local', line(this.records, event));
  }
}

/** The other service's listener (service `billing`), fed over Redis; records in `remote`. */
@Injectable()
export class Billing {
  constructor(private readonly records: Records) {}

  @OnEvent(OrderPlaced, { name: 'billing.record' })
  async record(event: BusEvent<{ n: number; key: string }>): Promise<void> {
    await work(this.records);
    await this.records.push('remote', line(this.records, event));
  }
}
