import type { OutboxStore } from '../bus/ports/outbox-store.port';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { BusEvent } from '../event/bus-event.interface';
import {
  resolveOutboxRelayOptions,
  type OutboxRelayOptions,
  type ResolvedOutboxRelayOptions,
} from './outbox.options';
import type { ExecutorFactory } from './sql-executors';

/**
 * The `outbox` option of `EventsModule.forRoot()`: events emitted inside a `@nestjs-cls/transactional` transaction
 * are written to `store` through the transaction and dispatched once it committed. See docs/outbox.md.
 */
export interface OutboxOptions {
  /** `SqliteOutboxStore` or `PostgresOutboxStore` from `nestjs-event-bus/outbox`, in the app's database. */
  store: OutboxStore;
  /**
   * The relay that delivers committed rows (claims them, publishes distributed events, runs the handlers);
   * `false`: this instance writes rows but another one relays them. Default: on, with the relay's defaults.
   */
  relay?: false | OutboxRelayOptions;
  /** The outbox health check: down when the oldest row waits longer than `maxAgeMs` (default 60 000). */
  health?: { maxAgeMs?: number };
  /** The `connectionName` of the `ClsPluginTransactional` whose transactions write the rows; default its default. */
  connectionName?: string;
  /**
   * Runs the store's SQL on a transaction object the outbox does not know. Known without it: TypeORM's
   * `EntityManager`, Prisma's transaction client, and anything with `query(sql, params)` resolving with
   * `rowCount` (a `pg` client).
   */
  executor?: ExecutorFactory;
  /** The key that orders rows (events with one key are delivered in order); default the correlation id. */
  key?: (event: BusEvent) => string;
}

/** The outbox options with their defaults, checked once by the module. */
export interface ResolvedOutboxOptions {
  readonly store: OutboxStore;
  readonly relay: false | ResolvedOutboxRelayOptions;
  readonly maxAgeMs: number;
  readonly connectionName: string | undefined;
  readonly executor: ExecutorFactory | undefined;
  readonly key: (event: BusEvent) => string;
}

/** Injection token of the resolved outbox options (`false` when the outbox is off). */
export const OUTBOX_OPTIONS = Symbol('nestjs-event-bus:outbox-options');

const KEYS = ['store', 'relay', 'health', 'connectionName', 'executor', 'key'];
const STORE_METHODS = [
  'prepare',
  'enqueue',
  'claim',
  'complete',
  'release',
  'inspect',
  'recordHandled',
  'close',
];

/** Checks the `outbox` module option and applies its defaults; a wrong one throws `EventsConfigError` naming it. */
export function resolveOutboxOptions(value: unknown): false | ResolvedOutboxOptions {
  if (value === undefined || value === false) return false;
  if (!isRecord(value)) throw new EventsConfigError('outbox', 'false or { store, relay?, health? }', value);
  rejectUnknownKeys('outbox', value, KEYS);
  return {
    store: checkStore(value.store),
    relay: checkRelay(value.relay),
    maxAgeMs: checkHealth(value.health),
    connectionName: checkConnectionName(value.connectionName),
    executor: checkFunction('outbox.executor', value.executor) as ExecutorFactory | undefined,
    key:
      (checkFunction('outbox.key', value.key) as ResolvedOutboxOptions['key'] | undefined) ?? byCorrelation,
  };
}

function byCorrelation(event: BusEvent): string {
  return event.correlationId;
}

function checkStore(store: unknown): OutboxStore {
  const candidate = store as Record<string, unknown> | null;
  const valid =
    isRecord(candidate) &&
    (candidate.dialect === 'postgres' || candidate.dialect === 'sqlite') &&
    STORE_METHODS.every((method) => typeof candidate[method] === 'function');
  if (!valid) {
    throw new EventsConfigError(
      'outbox.store',
      'an OutboxStore (new SqliteOutboxStore() or new PostgresOutboxStore() from nestjs-event-bus/outbox)',
      store,
    );
  }
  return candidate as unknown as OutboxStore;
}

function checkRelay(relay: unknown): false | ResolvedOutboxRelayOptions {
  if (relay === false) return false;
  try {
    return resolveOutboxRelayOptions(relay as OutboxRelayOptions | undefined);
  } catch (error) {
    if (!(error instanceof EventsConfigError)) throw error;
    if (error.option === 'options') throw new EventsConfigError('outbox.relay', 'false or an object', relay);
    // An unknown key comes as `options.<key>`, a bad value under its own name.
    const unknownKey = error.option.startsWith('options.');
    const key = unknownKey ? error.option.slice('options.'.length) : error.option;
    const received = unknownKey ? key : (relay as Record<string, unknown>)[key];
    throw new EventsConfigError(`outbox.relay.${key}`, error.expected, received);
  }
}

function checkHealth(health: unknown): number {
  if (health === undefined) return 60_000;
  if (!isRecord(health)) throw new EventsConfigError('outbox.health', '{ maxAgeMs? }', health);
  rejectUnknownKeys('outbox.health', health, ['maxAgeMs']);
  return checkNumber('outbox.health.maxAgeMs', health.maxAgeMs, 60_000, { min: 1, unit: 'milliseconds' });
}

function checkConnectionName(name: unknown): string | undefined {
  if (name === undefined || (typeof name === 'string' && name.length > 0)) return name;
  throw new EventsConfigError('outbox.connectionName', 'a non-empty string', name);
}

function checkFunction(option: string, value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return value;
  throw new EventsConfigError(option, 'a function', value);
}
