import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { EventsHealthIndicator, EventsModule } from 'nestjs-event-bus';
import {
  PostgresOutboxStore,
  SqliteOutboxStore,
  transactionalOutbox,
  type OutboxRelayOptions,
  type OutboxStore,
} from 'nestjs-event-bus/outbox';
import { RedisStreamsTransport, type RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { OrderRow, Orders } from './orders';
import { Records, SETTINGS } from './records';
import { StdoutLogger } from '../../../support/stdout-logger';

/** The database a producer writes to: an SQLite file, or a schema on a PostgreSQL server. */
export type FaultDatabaseSettings =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** What the test hands a child in the OUTBOX_FAULT_SETTINGS variable (JSON). */
export interface OutboxChildSettings {
  /** The test run's prefix: the transport's keys and the record lists. */
  readonly prefix: string;
  /** The transport's Redis (a server of the test's own). */
  readonly redisUrl: string;
  /** Where records go (the shared Redis, up while the transport's may be down). */
  readonly recordUrl: string;
  /** This child's label in its records. */
  readonly name: string;
  /** Which of its fixture's processes this child is (`producer`, `consumer`, or a fixture's own role). */
  readonly role: string;
  /** Producers only: the database their transactions and outbox write to. */
  readonly database?: FaultDatabaseSettings;
  /** Producers only: the outbox relay's options, or false (this process writes rows, another relays them). */
  readonly relay?: false | Omit<OutboxRelayOptions, 'logger'>;
  /** The transport's options beyond connection, prefix and logger. */
  readonly transport?: Omit<RedisStreamsTransportOptions, 'connection' | 'prefix' | 'logger'>;
  /** How long the recording handler of this child works before it records (default 0). */
  readonly workMs?: number;
}

/** Reads OUTBOX_FAULT_SETTINGS. */
export function childSettings(): OutboxChildSettings {
  const raw = process.env.OUTBOX_FAULT_SETTINGS;
  if (raw === undefined) throw new Error('OUTBOX_FAULT_SETTINGS is not set: run this fixture from its test');
  return JSON.parse(raw) as OutboxChildSettings;
}

/** One scenario's child: its service, listeners, and whether it writes orders through the outbox. */
export interface OutboxChildSpec {
  /** The service name (its consumer group). */
  readonly source: string;
  readonly listeners: readonly Type[];
  /** True for a producer: TypeORM on `database`, its adapter wrapped by `transactionalOutbox()`, the outbox on. */
  readonly producer: boolean;
  /** A producer's relay when the scenario fixes it (`false`: none in this process); else the settings' `relay`. */
  readonly relay?: false;
}

function typeormOptions(database: FaultDatabaseSettings): DataSourceOptions {
  // The test creates the tables: two instances starting together must not race on synchronize.
  if (database.kind === 'sqlite') {
    return { type: 'better-sqlite3', database: database.file, enableWAL: true, entities: [OrderRow] };
  }
  return {
    type: 'postgres',
    url: database.url,
    schema: database.schema,
    entities: [OrderRow],
    poolSize: 4,
    // A stopped server must not hang a transaction for long: connecting gives up after 2 s.
    extra: { connectionTimeoutMillis: 2000 },
  };
}

function outboxStore(database: FaultDatabaseSettings): OutboxStore {
  return database.kind === 'sqlite'
    ? new SqliteOutboxStore({ file: database.file })
    : new PostgresOutboxStore({
        connection: { connectionString: database.url, connectionTimeoutMillis: 2000 },
        schema: database.schema,
      });
}

function producerImports(settings: OutboxChildSettings): DynamicModule[] {
  const database = settings.database;
  if (database === undefined) throw new Error('a producer needs settings.database');
  const adapter = new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource });
  return [
    TypeOrmModule.forRoot(typeormOptions(database)),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({ imports: [TypeOrmModule], adapter: transactionalOutbox(adapter) }),
      ],
    }),
  ];
}

/**
 * Boots a Nest application context: EventsModule on a RedisStreamsTransport made from OUTBOX_FAULT_SETTINGS and,
 * for a producer, TypeORM, the transactional plugin and the outbox. Prints `ready <name>`, then answers the
 * test's commands on stdin (see `answerCommands`); on SIGTERM closes the app, prints `closed` and exits 0.
 */
export async function runChild(spec: OutboxChildSpec): Promise<void> {
  const settings = childSettings();
  const logger = new StdoutLogger();
  const transport = new RedisStreamsTransport({
    ...settings.transport,
    connection: settings.redisUrl,
    prefix: settings.prefix,
    logger,
  });
  const database = settings.database;
  const relay = spec.relay ?? settings.relay;
  const outbox =
    spec.producer && database !== undefined
      ? { store: outboxStore(database), relay: relay === false ? (false as const) : { ...relay, logger } }
      : undefined;
  @Module({
    imports: [
      ...(spec.producer ? producerImports(settings) : []),
      EventsModule.forRoot({ source: spec.source, transport, ...(outbox ? { outbox } : {}) }),
    ],
    providers: [
      { provide: SETTINGS, useValue: settings },
      Records,
      ...(spec.producer ? [Orders] : []),
      ...spec.listeners,
    ],
  })
  class OutboxChildModule {}
  const app = await NestFactory.createApplicationContext(OutboxChildModule, { logger: ['error', 'warn'] });
  app.useLogger(logger);
  process.once('SIGTERM', () => void shutdown(app));
  answerCommands(app);
  process.stdout.write(`ready ${settings.name}\n`);
}

/**
 * Commands, one a line:
 * - `place <from> <count> [pauseMs]`: places orders from..from+count-1, one transaction each (odd ones roll
 *   back), then prints `placed <from> <json>` with what happened to each;
 * - `loop <from> <pauseMs>`: places orders from `from` on until `halt`, then prints `halted <json>`;
 * - `status`: prints `status <json>`, the outbox's health details.
 */
function answerCommands(app: INestApplicationContext): void {
  let halt: (() => void) | undefined;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, ...args] = line.trim().split(' ');
    const numbers = args.map(Number);
    void (async () => {
      if (command === 'place') {
        const placed = await app.get(Orders).placeRange(numbers[0], numbers[1], numbers[2] ?? 0);
        print(`placed ${args[0]}`, placed);
      } else if (command === 'loop') {
        let running = true;
        halt = () => (running = false);
        const placed = await app.get(Orders).placeWhile(numbers[0], numbers[1], () => running);
        print(`halted ${args[0]}`, placed);
      } else if (command === 'halt') {
        halt?.();
      } else if (command === 'status') {
        const health = await app.get(EventsHealthIndicator).checkOutbox();
        print('status', health.outbox);
      }
    })().catch((error: unknown) => process.stdout.write(`error ${String(error)}\n`));
  });
}

/** Prints `<head> <value as JSON>`, one line. */
function print(head: string, value: object): void {
  process.stdout.write(`${head} ${JSON.stringify(value)}\n`);
}

async function shutdown(app: INestApplicationContext): Promise<void> {
  await app.close();
  process.stdout.write('closed\n');
  process.exit(0);
}

/** Runs `spec` when this file is the child's main module (fixtures call it at their end). */
export function startIfMain(main: NodeModule, spec: () => OutboxChildSpec): void {
  if (require.main !== main) return;
  runChild(spec()).catch((error: unknown) => {
    process.stderr.write(`child failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
