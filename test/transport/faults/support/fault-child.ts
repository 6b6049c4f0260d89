import 'reflect-metadata';
import {
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Redis } from 'ioredis';
import { defineEvent, EventsModule, type EventsModuleOptions } from 'nestjs-event-bus';
import { RedisStreamsTransport, type RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import { StdoutLogger } from '../../../support/stdout-logger';

/** The distributed event every fault scenario publishes: `n` numbers it within its lane. */
export const Tick = defineEvent<{ n: number; lane?: string }>('fault.tick', { distributed: true });

/** What the test hands a child in the FAULT_SETTINGS variable (JSON). */
export interface ChildSettings {
  /** The test run's key prefix: the transport's keys and the records. */
  readonly prefix: string;
  /** The transport's Redis. */
  readonly redisUrl: string;
  /** Where records go (the shared Redis, up while the transport's own one may be down). */
  readonly recordUrl: string;
  /** This child's label in its records. */
  readonly name: string;
  /** The transport's options beyond connection, prefix and logger. */
  readonly transport: RedisStreamsTransportOptions;
  /** Scenario-specific values. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Reads FAULT_SETTINGS. */
export function childSettings(): ChildSettings {
  const raw = process.env.FAULT_SETTINGS;
  if (raw === undefined) throw new Error('FAULT_SETTINGS is not set: run this fixture from its test');
  return JSON.parse(raw) as ChildSettings;
}

/** Token of the child's settings. */
export const SETTINGS = Symbol('fault-child-settings');

/**
 * Appends lines to Redis lists under the test's prefix (RPUSH, awaited): a handler records what it handled before
 * it returns, so a record exists for every event whose delivery could have been acknowledged.
 */
@Injectable()
export class Records implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(SETTINGS) private readonly settings: ChildSettings) {
    this.redis = new Redis(settings.recordUrl, { maxRetriesPerRequest: null });
  }

  /** `RPUSH <prefix>:<list> <line>`. */
  async push(list: string, line: string): Promise<void> {
    await this.redis.rpush(`${this.settings.prefix}:${list}`, line);
  }

  /** How long a handler works before it records (`extra.workMs`, default 0). */
  get workMs(): number {
    return Number(this.settings.extra?.workMs ?? 0);
  }

  /** The scenario's own values. */
  get extra(): Readonly<Record<string, unknown>> {
    return this.settings.extra ?? {};
  }

  /** The child's label. */
  get name(): string {
    return this.settings.name;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One scenario's child: its service name, listeners and what else its module needs. */
export interface ChildSpec {
  readonly source: string;
  readonly listeners: readonly Type[];
  readonly providers?: readonly Provider[];
  readonly module?: Partial<EventsModuleOptions>;
  /** Runs once the app is up (a publisher's loop, say). */
  readonly run?: (app: INestApplicationContext, settings: ChildSettings) => Promise<void>;
}

/**
 * Boots a Nest application context with EventsModule on a RedisStreamsTransport made from FAULT_SETTINGS,
 * prints `ready <consumer name>`, and on SIGTERM closes the app (the transport stops reading, finishes or hands
 * back what it holds), prints `stats <json>` and exits 0.
 */
export async function runChild(spec: ChildSpec): Promise<void> {
  const settings = childSettings();
  const transport = new RedisStreamsTransport({
    ...settings.transport,
    connection: settings.redisUrl,
    prefix: settings.prefix,
    logger: new StdoutLogger(),
  });
  @Module({
    imports: [EventsModule.forRoot({ ...spec.module, source: spec.source, transport, correlation: false })],
    providers: [
      { provide: SETTINGS, useValue: settings },
      Records,
      ...spec.listeners,
      ...(spec.providers ?? []),
    ],
  })
  class ChildModule {}
  const app = await NestFactory.createApplicationContext(ChildModule, { logger: ['error'] });
  process.once('SIGTERM', () => void shutdown(app, transport));
  process.stdout.write(`ready ${transport.consumerName}\n`);
  await spec.run?.(app, settings);
}

async function shutdown(app: INestApplicationContext, transport: RedisStreamsTransport): Promise<void> {
  const started = Date.now();
  await app.close();
  const stats = {
    ...(await transport.stats()),
    ...transport.retentionStats(),
    closeMs: Date.now() - started,
  };
  process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
  process.exit(0);
}

/** Runs `spec` when this file is the child's main module (fixtures call it at their end). */
export function startIfMain(main: NodeModule, spec: ChildSpec): void {
  if (require.main !== main) return;
  runChild(spec).catch((error: unknown) => {
    process.stderr.write(`child failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
