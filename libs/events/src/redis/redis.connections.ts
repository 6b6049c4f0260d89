import type { LoggerService } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { loadOptionalPeer } from '../common/optional-peer';
import { errorMessage } from '../common/error-message';
import { withTimeout } from '../common/with-timeout';
import { RedisClientMissingError, RedisUnavailableError } from './redis.errors';
import type { TransportCounters } from './transport.counters';

type RedisConstructor = new (...args: unknown[]) => Redis;

/** The two connections of one transport: blocking reads hold a connection, so they get one of their own. */
export interface RedisConnections {
  /** XADD, XACK, scripts, claims: everything but the blocking read. */
  readonly commands: Redis;
  /** The one blocking XREADGROUP of this process. */
  readonly reader: Redis;
  /** `host:port` (or the socket path), for messages. */
  readonly address: string;
}

/**
 * Opens both connections, or throws `RedisUnavailableError` naming the address when Redis does not answer
 * within `timeoutMs`. Commands wait through later outages (the client reconnects and resends them); each
 * reconnection is counted and logged once.
 */
export async function openConnections(
  connection: string | RedisOptions,
  timeoutMs: number,
  counters: TransportCounters,
  logger: LoggerService,
): Promise<RedisConnections> {
  const RedisClass = loadOptionalPeer<{ Redis: RedisConstructor }>(
    'ioredis',
    (cause) => new RedisClientMissingError(cause),
  ).Redis;
  const settings: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 1_000),
  };
  const commands =
    typeof connection === 'string'
      ? new RedisClass(connection, settings)
      : new RedisClass({ ...connection, ...settings });
  const reader = commands.duplicate();
  const address = addressOf(commands.options);
  for (const [role, client] of [
    ['commands', commands],
    ['reader', reader],
  ] as const) {
    watch(client, role, address, counters, logger);
  }
  try {
    await withTimeout(Promise.all([commands.connect(), reader.connect()]), timeoutMs, () => {
      return new Error('no answer');
    });
  } catch (error) {
    commands.disconnect();
    reader.disconnect();
    throw new RedisUnavailableError(address, timeoutMs, error);
  }
  return { commands, reader, address };
}

/** Closes both connections: politely when Redis answers, at once when it does not. */
export async function closeConnections(connections: RedisConnections): Promise<void> {
  await Promise.all(
    [connections.commands, connections.reader].map(async (client) => {
      if (client.status !== 'ready') return client.disconnect();
      await withTimeout(client.quit(), 1_000, () => new Error('quit timed out')).catch(() =>
        client.disconnect(),
      );
    }),
  );
}

/**
 * Warns once when Redis keeps nothing on disk or fsyncs less than every write: at-least-once then holds only
 * while Redis runs. `CONFIG` may be disabled (managed Redis): then this says nothing.
 */
export async function warnIfNotDurable(
  commands: Redis,
  address: string,
  logger: LoggerService,
): Promise<void> {
  try {
    const reply = (await commands.call('CONFIG', 'GET', 'append*')) as string[];
    const config = new Map<string, string>();
    for (let i = 0; i + 1 < reply.length; i += 2) config.set(reply[i], reply[i + 1]);
    if (config.get('appendonly') !== 'yes') {
      logger.warn(
        `Redis at ${address} runs without an append-only file (appendonly no): events in its streams are lost ` +
          'if it restarts. For durable delivery set appendonly yes and appendfsync always.',
      );
    } else if (config.get('appendfsync') !== 'always') {
      logger.warn(
        `Redis at ${address} fsyncs its append-only file "${config.get('appendfsync')}": ` +
          'a crash can lose the last writes. For durable delivery set appendfsync always.',
      );
    }
  } catch {
    // CONFIG is refused by some hosted Redis services; the warning is a courtesy, not a check.
  }
}

function watch(
  client: Redis,
  role: string,
  address: string,
  counters: TransportCounters,
  logger: LoggerService,
): void {
  let everReady = false;
  let down = false;
  client.on('error', (error: unknown) => {
    if (down || !everReady) return;
    down = true;
    logger.warn(`Redis ${role} connection to ${address} lost (${errorMessage(error)}); reconnecting`);
  });
  client.on('close', () => {
    if (everReady && !down && client.status !== 'end') {
      down = true;
      logger.warn(`Redis ${role} connection to ${address} closed; reconnecting`);
    }
  });
  client.on('ready', () => {
    if (everReady) {
      counters.reconnects++;
      logger.log(`Redis ${role} connection to ${address} is back`);
    }
    everReady = true;
    down = false;
  });
}

function addressOf(options: RedisOptions): string {
  if (options.path) return options.path;
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
