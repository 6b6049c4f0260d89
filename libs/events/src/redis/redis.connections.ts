import type { LoggerService } from '@nestjs/common';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { loadOptionalPeer } from '../common/optional-peer';
import { errorMessage } from '../common/error-message';
import { withTimeout } from '../common/with-timeout';
import type { RedisClusterNode, ResolvedConnection } from './redis-connection.options';
import { RedisClientMissingError, RedisUnavailableError } from './redis.errors';
import { explainClusterFailure, refuseClusterNode } from './redis.topology';
import type { TransportCounters } from './transport.counters';

/** A connection to one Redis or to a Redis Cluster: the commands the transport sends work on both. */
export type RedisClient = Redis | Cluster;

interface IoRedis {
  readonly Redis: new (...args: unknown[]) => Redis;
  readonly Cluster: new (nodes: ClusterNode[], options: ClusterOptions) => Cluster;
}

/**
 * The connections of one transport. Blocking reads hold a connection, so readers get their own: one on a single
 * Redis (one XREADGROUP over every stream), one per stream on a Cluster (which refuses a command over keys of
 * several slots).
 */
export interface RedisConnections {
  /** XADD, XACK, scripts, claims: everything but the blocking reads. */
  readonly commands: RedisClient;
  /** The blocking readers' connections, opened by `openReaders()` when the transport starts consuming. */
  readonly readers: RedisClient[];
  /** `host:port` (or the socket path, or `cluster host:port,...`), for messages. */
  readonly address: string;
  /** True on a Redis Cluster. */
  readonly cluster: boolean;
}

/** What a connection is opened with, and where its losses and returns are told. */
export interface ConnectionSettings {
  readonly connection: ResolvedConnection;
  readonly timeoutMs: number;
  readonly counters: TransportCounters;
  readonly logger: LoggerService;
}

/**
 * Opens the commands connection, or throws `RedisUnavailableError` naming the address when Redis does not answer
 * within `timeoutMs`. Commands wait through later outages (the client reconnects and resends them); each
 * reconnection is counted and logged once.
 */
export async function openConnections(settings: ConnectionSettings): Promise<RedisConnections> {
  const { connection } = settings;
  const commands = createClient(settings);
  const address = addressOf(connection, commands);
  const connections = { commands, readers: [], address, cluster: connection.kind === 'cluster' };
  try {
    await connect(connections, [commands], 'commands', settings);
  } catch (error) {
    const explained =
      connection.kind === 'cluster'
        ? await explainClusterFailure(connection.nodes[0], (node) => probeClient(node))
        : undefined;
    throw explained ?? error;
  }
  if (connection.kind === 'single') {
    await refuseClusterNode(commands, address).catch((error: unknown) => {
      commands.disconnect();
      throw error;
    });
  }
  return connections;
}

/** Opens `count` reader connections beside the commands one (duplicates of it). */
export async function openReaders(
  connections: RedisConnections,
  count: number,
  settings: ConnectionSettings,
): Promise<readonly RedisClient[]> {
  const readers = Array.from({ length: count }, () => duplicate(connections.commands));
  await connect(connections, readers, 'reader', settings);
  connections.readers.push(...readers);
  return readers;
}

/** Closes every connection: politely when Redis answers, at once when it does not. */
export async function closeConnections(connections: RedisConnections): Promise<void> {
  await Promise.all(
    [connections.commands, ...connections.readers].map(async (client) => {
      if (client.status !== 'ready') return client.disconnect();
      await withTimeout(client.quit(), 1_000, () => new Error('quit timed out')).catch(() =>
        client.disconnect(),
      );
    }),
  );
}

/** The readers' state for health: `ready` when every one is, else the first other state. */
export function readersStatus(connections: RedisConnections | undefined): string {
  const readers = connections?.readers ?? [];
  if (readers.length === 0) return 'not connected';
  return readers.find((reader) => reader.status !== 'ready')?.status ?? 'ready';
}

/**
 * Warns once when Redis keeps nothing on disk or fsyncs less than every write: at-least-once then holds only
 * while Redis runs. `CONFIG` may be disabled (managed Redis): then this says nothing.
 */
export async function warnIfNotDurable(
  commands: RedisClient,
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

function loadIoRedis(): IoRedis {
  return loadOptionalPeer<IoRedis>('ioredis', (cause) => new RedisClientMissingError(cause));
}

/** A one-off client for one node that gives up at once when it does not answer. */
function probeClient(node: RedisClusterNode): Redis {
  const { Redis: RedisClass } = loadIoRedis();
  return new RedisClass({ ...node, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

function createClient({ connection, timeoutMs }: ConnectionSettings): RedisClient {
  const ioredis = loadIoRedis();
  const retry = (times: number): number => Math.min(50 * 2 ** Math.min(times, 10), 1_000);
  const own = { maxRetriesPerRequest: null, connectTimeout: timeoutMs };
  if (connection.kind === 'cluster') {
    const { options, nodes } = connection;
    return new ioredis.Cluster(
      nodes.map((node) => ({ ...node })),
      {
        ...options,
        lazyConnect: true,
        clusterRetryStrategy: retry,
        redisOptions: { ...options.redisOptions, ...own },
      },
    );
  }
  const settings: RedisOptions = { lazyConnect: true, retryStrategy: retry, ...own };
  const target = connection.target;
  return typeof target === 'string'
    ? new ioredis.Redis(target, settings)
    : new ioredis.Redis({ ...target, ...settings });
}

async function connect(
  connections: RedisConnections,
  clients: readonly RedisClient[],
  role: string,
  settings: ConnectionSettings,
): Promise<void> {
  const { timeoutMs, counters, logger } = settings;
  for (const client of clients) watch(client, role, connections.address, counters, logger);
  try {
    await withTimeout(Promise.all(clients.map((client) => client.connect())), timeoutMs, () => {
      return new Error('no answer');
    });
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw new RedisUnavailableError(connections.address, timeoutMs, error);
  }
}

function watch(
  client: RedisClient,
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

/** A new client like `client`: same nodes, same options (lazy: `connect()` opens it). */
function duplicate(client: RedisClient): RedisClient {
  return client.isCluster ? (client as Cluster).duplicate() : (client as Redis).duplicate();
}

function addressOf(connection: ResolvedConnection, client: RedisClient): string {
  if (connection.kind === 'cluster') {
    return `cluster ${connection.nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  }
  const options = (client as Redis).options;
  if (options.path) return options.path;
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
