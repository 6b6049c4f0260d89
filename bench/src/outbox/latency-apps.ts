// The two processes of the outbox latency scenario, as Nest applications: a writer (TypeORM, the transactional
// plugin with its adapter wrapped by transactionalOutbox(), the outbox without a relay) that commits one order per
// transaction, and a relay (the outbox's relay only, publishing through RedisStreamsTransport) whose local
// listener notes when each event was published.
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ClsPluginTransactional, Transactional, TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { defineEvent, EventBusService, EventsModule, OnEvent, type BusEvent } from 'nestjs-event-bus';
import {
  PostgresOutboxStore,
  SqliteOutboxStore,
  transactionalOutbox,
  type OutboxStore,
} from 'nestjs-event-bus/outbox';
import { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import { Column, DataSource, Entity, PrimaryColumn, type DataSourceOptions } from 'typeorm';
import { monotonicMs, orderPayload, type OrderPayload } from '../redis/bench-event';
import { benchLogger } from '../redis/ours-bus';
import { REDIS_URL } from '../redis/shared-redis';
import { DATABASE_URL } from '../postgres';

/** Where a writer and its relay meet: a PostgreSQL schema or an SQLite file. */
export type LatencyDatabase = { kind: 'postgres'; schema: string } | { kind: 'sqlite'; file: string };

/** The distributed event the writer emits in its transactions. */
export const OutboxOrderPlaced = defineEvent<OrderPayload>('bench.outbox.order.placed', {
  distributed: true,
});

/** The writer's table, written in the same transaction as the outbox row. */
@Entity({ name: 'bench_orders' })
export class BenchOrder {
  @PrimaryColumn('integer')
  seq!: number;

  @Column('text')
  orderId!: string;
}

/** The writer's service: one order per `@Transactional()` call, its event emitted inside. */
@Injectable()
export class BenchOrders {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly bus: EventBusService,
  ) {}

  @Transactional()
  async place(seq: number): Promise<string> {
    const payload = orderPayload(seq);
    await this.txHost.tx.getRepository(BenchOrder).insert({ seq, orderId: payload.orderId });
    return this.bus.emit(OutboxOrderPlaced, payload).id;
  }
}

/** The relay's local listener: runs once the transport took the event (the relay awaits the publish first). */
@Injectable()
export class PublishedAt {
  /** [event id, monotonic ms] since the last `take()`. */
  private seen: [string, number][] = [];

  @OnEvent(OutboxOrderPlaced, { local: true })
  published(event: BusEvent<OrderPayload>): void {
    this.seen.push([event.id, monotonicMs()]);
  }

  take(): [string, number][] {
    return this.seen.splice(0);
  }
}

function outboxStore(database: LatencyDatabase): OutboxStore {
  return database.kind === 'postgres'
    ? new PostgresOutboxStore({ connection: DATABASE_URL, schema: database.schema })
    : new SqliteOutboxStore({ file: database.file });
}

function typeorm(database: LatencyDatabase): DataSourceOptions {
  return database.kind === 'postgres'
    ? {
        type: 'postgres',
        url: DATABASE_URL,
        schema: database.schema,
        entities: [BenchOrder],
        synchronize: true,
      }
    : {
        type: 'better-sqlite3',
        database: database.file,
        enableWAL: true,
        entities: [BenchOrder],
        synchronize: true,
      };
}

/** The writer: commits rows and their events; no relay in this process, so no in-process wake after a commit. */
export function writerModule(database: LatencyDatabase): DynamicModule {
  const adapter = new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource });
  @Module({
    imports: [
      TypeOrmModule.forRoot(typeorm(database)),
      ClsModule.forRoot({
        global: true,
        plugins: [
          new ClsPluginTransactional({ imports: [TypeOrmModule], adapter: transactionalOutbox(adapter) }),
        ],
      }),
      EventsModule.forRoot({
        source: 'bench-outbox-writer',
        outbox: { store: outboxStore(database), relay: false },
      }),
    ],
    providers: [BenchOrders],
  })
  class WriterModule {}
  return { module: WriterModule };
}

/**
 * The relay: learns of commits by NOTIFY when `listen` (PostgreSQL), else only by polling every `pollIntervalMs`;
 * publishes each event through RedisStreamsTransport under `prefix`, then runs the local listener.
 */
export function relayModule(
  database: LatencyDatabase,
  prefix: string,
  listen: boolean,
  pollIntervalMs: number,
): DynamicModule {
  const transport = new RedisStreamsTransport({ connection: REDIS_URL, prefix, logger: benchLogger });
  @Module({
    imports: [
      EventsModule.forRoot({
        source: 'bench-outbox-relay',
        transport,
        outbox: { store: outboxStore(database), relay: { listen, pollIntervalMs } },
      }),
    ],
    providers: [PublishedAt],
  })
  class RelayModule {}
  return { module: RelayModule };
}
