import type { LoggerService } from '@nestjs/common';
import { checkBoolean, checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { OutboxRecord } from '../bus/ports/outbox-store.port';

/**
 * Hands one claimed record on (decode it, dispatch it locally, publish it through the transport). Resolving means
 * it is safely on its way and the row may be deleted; rejecting gives it back to the outbox for a later retry.
 */
export type OutboxDeliver = (record: OutboxRecord) => Promise<void>;

/** Options of `OutboxRelay`; every one has a default. */
export interface OutboxRelayOptions {
  /** Rows claimed at once; default 100 (also the bound of duplicates when a relay dies mid-batch). */
  batchSize?: number;
  /**
   * How long a claim holds its rows before another relay may take them; default 30000 ms (at least 100). While a
   * batch's deliveries run, the relay renews the lease every third of it, so only a relay that died or stopped
   * answering loses its rows.
   */
  leaseMs?: number;
  /**
   * Time from one claim to the next while the outbox looks empty (a safety net beside `wake()`), however long the
   * batch in between took; default 1000 ms.
   */
  pollIntervalMs?: number;
  /** Delay before retrying a row whose delivery failed once; it doubles per failure up to `maxRetryDelayMs`. Default 100 ms. */
  retryDelayMs?: number;
  /** Upper bound of one retry delay (failed deliveries and database errors); default 30000 ms. */
  maxRetryDelayMs?: number;
  /** This relay's name in the leases it takes; default `<hostname>:<pid>:<random>`, unique per relay. */
  owner?: string;
  /**
   * How long `stop()` waits for the batch in hand; default 10000 ms. Past it, `stop()` resolves and the batch's
   * remaining rows stay leased until `leaseMs` runs out, then another relay delivers them.
   */
  shutdownTimeoutMs?: number;
  /** Whether to wake on the store's notifications (PostgreSQL `LISTEN`) when it offers them; default true. */
  listen?: boolean;
  /** Where failures are logged, once per streak; default a Nest `Logger` named `OutboxRelay`. */
  logger?: LoggerService;
}

/** The relay options with their defaults, checked. */
export interface ResolvedOutboxRelayOptions {
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly owner: string | undefined;
  readonly shutdownTimeoutMs: number;
  readonly listen: boolean;
  readonly logger: LoggerService | undefined;
}

const SCOPE = 'OutboxRelay option';
const KNOWN = [
  'batchSize',
  'leaseMs',
  'pollIntervalMs',
  'retryDelayMs',
  'maxRetryDelayMs',
  'owner',
  'shutdownTimeoutMs',
  'listen',
  'logger',
];

const ms = (option: string, value: unknown, fallback: number, min = 1): number =>
  checkNumber(option, value, fallback, { min, integer: true, unit: 'milliseconds' }, SCOPE);

/** Checks `options` and fills in the defaults; throws `EventsConfigError` naming the first bad option. */
export function resolveOutboxRelayOptions(options: OutboxRelayOptions = {}): ResolvedOutboxRelayOptions {
  if (!isRecord(options)) throw new EventsConfigError('options', 'an object', options, SCOPE);
  rejectUnknownKeys('options', options, KNOWN);
  const retryDelayMs = ms('retryDelayMs', options.retryDelayMs, 100);
  return {
    batchSize: checkNumber(
      'batchSize',
      options.batchSize,
      100,
      { min: 1, max: 10_000, integer: true },
      SCOPE,
    ),
    leaseMs: ms('leaseMs', options.leaseMs, 30_000, 100),
    pollIntervalMs: ms('pollIntervalMs', options.pollIntervalMs, 1_000, 10),
    retryDelayMs,
    maxRetryDelayMs: ms(
      'maxRetryDelayMs',
      options.maxRetryDelayMs,
      Math.max(30_000, retryDelayMs),
      retryDelayMs,
    ),
    owner: checkOwner(options.owner),
    shutdownTimeoutMs: ms('shutdownTimeoutMs', options.shutdownTimeoutMs, 10_000, 0),
    listen: checkBoolean('listen', options.listen, true),
    logger: checkLogger(options.logger),
  };
}

function checkOwner(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value;
  throw new EventsConfigError('owner', 'a non-empty string of at most 200 characters', value, SCOPE);
}

function checkLogger(value: unknown): LoggerService | undefined {
  if (value === undefined) return undefined;
  if (isRecord(value) && typeof value.warn === 'function' && typeof value.log === 'function') {
    return value as unknown as LoggerService;
  }
  throw new EventsConfigError('logger', 'a Nest LoggerService', value, SCOPE);
}
