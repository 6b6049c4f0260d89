import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Logger, type LoggerService } from '@nestjs/common';
import { backoffDelay, type Backoff } from '../common/backoff';
import { withTimeout } from '../common/with-timeout';
import { errorMessage } from '../common/error-message';
import type { OutboxRecord, OutboxStore } from '../bus/ports/outbox-store.port';
import {
  resolveOutboxRelayOptions,
  type OutboxDeliver,
  type OutboxRelayOptions,
  type ResolvedOutboxRelayOptions,
} from './outbox.options';

/** What one batch did. */
export interface OutboxFlushResult {
  /** Rows the claim returned. */
  readonly claimed: number;
  /** Rows delivered and deleted. */
  readonly delivered: number;
  /** Rows given back for a later retry: failed deliveries and the later rows of their keys. */
  readonly released: number;
}

/** Counters of a relay, for metrics and health. */
export interface OutboxRelayStats {
  readonly owner: string;
  readonly running: boolean;
  /** Claims that returned rows. */
  readonly batches: number;
  /** Rows whose delivery succeeded. */
  readonly published: number;
  /** Deliveries that failed (each retried later). */
  readonly failures: number;
  /** Store calls (claim, renew, complete, release) that failed. */
  readonly storeFailures: number;
  /** The latest failure of either kind. */
  readonly lastError: { readonly message: string; readonly at: Date } | undefined;
}

/** Rows of one batch given back together: same error, same time to retry. */
interface Release {
  readonly seqs: string[];
  readonly error: string;
  readonly retryAt: Date;
}

/**
 * Publishes what waits in an outbox: claims a batch of rows (leased to this relay), hands each to `deliver` in
 * order, deletes the delivered ones, and gives failed ones back with a growing delay (the later rows of a failed
 * row's key with it, so a key's events keep their order). It runs batches back to back while they come back full,
 * otherwise sleeps until `wake()` (a commit in this process, a store notification) or `pollIntervalMs`. Store
 * errors back off too, so a database that is away for a while neither crashes the process nor makes it spin.
 *
 * A row is deleted only after `deliver` resolved for it: a relay that dies mid-batch leaves its rows leased, and
 * another relay delivers them when the lease runs out (so duplicates are bounded by `batchSize`).
 */
export class OutboxRelay {
  /** This relay's name in the leases it takes. */
  readonly owner: string;
  private readonly options: ResolvedOutboxRelayOptions;
  private readonly logger: LoggerService;
  private readonly deliveryBackoff: Backoff;
  private readonly storeBackoff: Backoff;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private sleep: { timer: NodeJS.Timeout; done: () => void; wakeable: boolean } | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** The batch in hand: batches never overlap. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped when `stop()` gives up on the batch in hand, which then leaves the store alone. */
  private epoch = 0;
  /** Delivered rows whose delete failed: deleted before the next claim. */
  private unconfirmed: string[] = [];
  private deliveryStreak = 0;
  private storeStreak = 0;
  private counters = { batches: 0, published: 0, failures: 0, storeFailures: 0 };
  private lastError: { message: string; at: Date } | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: OutboxDeliver,
    options: OutboxRelayOptions = {},
  ) {
    this.options = resolveOutboxRelayOptions(options);
    this.owner = this.options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.logger = this.options.logger ?? new Logger('OutboxRelay');
    const { retryDelayMs, maxRetryDelayMs } = this.options;
    this.deliveryBackoff = { baseMs: retryDelayMs, factor: 2, maxMs: maxRetryDelayMs, jitter: 0.2 };
    this.storeBackoff = {
      baseMs: Math.max(retryDelayMs, 100),
      factor: 2,
      maxMs: maxRetryDelayMs,
      jitter: 0.2,
    };
  }

  /** Starts the loop (and listens for the store's notifications when it has them). Idempotent. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    if (this.options.listen && this.store.listen) {
      try {
        this.unlisten = await this.store.listen(() => this.wake());
      } catch (error) {
        this.logger.warn(
          `OutboxRelay could not listen for commits on ${this.store.description} (${errorMessage(error)}); ` +
            `it polls every ${this.options.pollIntervalMs} ms instead.`,
        );
      }
    }
    this.loop = this.run();
  }

  /** Claims again at once: rows were just committed. Cheap; calls during a batch coalesce into one more batch. */
  wake(): void {
    this.woken = true;
    if (this.sleep?.wakeable) this.endSleep();
  }

  /**
   * Stops the loop: finishes the batch in hand (for up to `shutdownTimeoutMs`, after which its remaining rows stay
   * leased for another relay), stops listening and leaves no timer behind.
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopping = true;
    this.endSleep();
    const gaveUp = await withTimeout(loop, this.options.shutdownTimeoutMs, () => new Error('timeout')).then(
      () => false,
      () => true,
    );
    if (gaveUp) {
      this.epoch++;
      this.queue = Promise.resolve();
      this.logger.warn(
        `OutboxRelay ${this.owner} stopped with a delivery still running after ${this.options.shutdownTimeoutMs} ms: ` +
          `its batch's rows stay leased and are delivered again after the lease (${this.options.leaseMs} ms).`,
      );
    }
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
    this.loop = undefined;
  }

  /** Runs one batch now (after the one in hand): claim, deliver in order, delete, give back failures. */
  flushOnce(): Promise<OutboxFlushResult> {
    const epoch = this.epoch;
    const batch = this.queue.then(() => this.runBatch(epoch));
    this.queue = batch.catch(() => undefined);
    return batch;
  }

  /**
   * Delivers every row that is due now, batch after batch, until a claim comes back less than full. Resolves with
   * the number of rows delivered. For tests and shutdown.
   */
  async drain(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const result = await this.flushOnce();
      delivered += result.delivered;
      if (result.claimed < this.options.batchSize) return delivered;
    }
  }

  stats(): OutboxRelayStats {
    return {
      owner: this.owner,
      running: this.loop !== undefined && !this.stopping,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let result: OutboxFlushResult;
      const claimedAt = Date.now();
      try {
        result = await this.flushOnce();
        this.storeRecovered();
      } catch (error) {
        await this.pause(this.storeFailed(error), false);
        continue;
      }
      if (this.stopping) return;
      if (result.claimed >= this.options.batchSize || this.woken) {
        // Back to back, yet letting I/O and timers of the process run between batches.
        await nextTurn();
        continue;
      }
      // A claim every pollIntervalMs, however long the batch took: a row committed just after a claim waits one
      // interval, not one interval plus a batch.
      await this.pause(Math.max(0, claimedAt + this.options.pollIntervalMs - Date.now()), true);
    }
  }

  private async runBatch(epoch: number): Promise<OutboxFlushResult> {
    this.woken = false;
    if (this.unconfirmed.length > 0) {
      await this.store.complete(this.owner, this.unconfirmed);
      this.unconfirmed = [];
    }
    const records = await this.store.claim(this.owner, this.options.batchSize, this.options.leaseMs);
    if (records.length === 0) return { claimed: 0, delivered: 0, released: 0 };
    this.counters.batches++;
    const stopRenewing = this.keepLeased(
      records.map((record) => record.seq),
      epoch,
    );
    try {
      return await this.deliverBatch(records, epoch);
    } finally {
      stopRenewing();
    }
  }

  /** Delivers claimed rows in order, then deletes the delivered ones and gives back the failed ones. */
  private async deliverBatch(records: readonly OutboxRecord[], epoch: number): Promise<OutboxFlushResult> {
    const delivered: string[] = [];
    const releases = new Map<string, Release>();
    /** The release a key's failed row went into: its later rows go there too. */
    const blockedKeys = new Map<string, Release>();
    for (const record of records) {
      if (epoch !== this.epoch) return { claimed: records.length, delivered: 0, released: 0 };
      const blocked = blockedKeys.get(record.key);
      if (blocked) {
        blocked.seqs.push(record.seq);
        continue;
      }
      try {
        await this.deliver(record);
        delivered.push(record.seq);
        this.counters.published++;
        this.deliveryRecovered();
      } catch (error) {
        blockedKeys.set(record.key, this.releaseFor(record, error, releases));
      }
    }
    if (epoch !== this.epoch) return { claimed: records.length, delivered: 0, released: 0 };
    await this.settle(delivered, [...releases.values()]);
    const released = records.length - delivered.length;
    return { claimed: records.length, delivered: delivered.length, released };
  }

  /**
   * Renews the lease of a batch's rows every third of `leaseMs` until the returned function is called, or until
   * `stop()` gave up on the batch (another relay takes the rows over then). A failed renewal counts as a store
   * failure; the next one tries again.
   */
  private keepLeased(seqs: readonly string[], epoch: number): () => void {
    const renewLease = this.store.renew?.bind(this.store);
    if (renewLease === undefined) return () => undefined;
    const everyMs = Math.floor(this.options.leaseMs / 3);
    let renewing = false;
    let warned = false;
    const renew = () => {
      if (epoch !== this.epoch) return clearInterval(timer);
      if (renewing) return;
      renewing = true;
      renewLease(this.owner, seqs, this.options.leaseMs)
        .catch((error: unknown) => {
          const message = errorMessage(error);
          this.counters.storeFailures++;
          this.lastError = { message, at: new Date() };
          if (warned) return;
          warned = true;
          this.logger.warn(
            `OutboxRelay: renewing the lease of ${seqs.length} rows at ${this.store.description} failed ` +
              `(${message}); it tries again in ${everyMs} ms. Rows whose lease runs out meanwhile may be ` +
              `delivered again by another relay.`,
          );
        })
        .finally(() => (renewing = false));
    };
    // A timer of the batch in hand: it does not keep the process alive on its own.
    const timer = setInterval(renew, everyMs).unref();
    return () => clearInterval(timer);
  }

  /** Deletes the delivered rows and gives back the failed ones; throws the first store error after trying both. */
  private async settle(delivered: string[], releases: readonly Release[]): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.store.complete(this.owner, delivered);
    } catch (error) {
      this.unconfirmed = delivered;
      failure = { error };
    }
    for (const release of releases) {
      try {
        await this.store.release(this.owner, release.seqs, release.error, release.retryAt);
      } catch (error) {
        // The rows stay leased: they are tried again once the lease runs out.
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  /** Counts and logs a failed delivery; returns the release its row goes into (shared by equal delays and errors). */
  private releaseFor(record: OutboxRecord, error: unknown, releases: Map<string, Release>): Release {
    const message = errorMessage(error);
    this.counters.failures++;
    this.lastError = { message, at: new Date() };
    const attempts = record.attempts + 1;
    const group = `${attempts}\u0000${message}`;
    let release = releases.get(group);
    if (!release) {
      const delayMs = backoffDelay(this.deliveryBackoff, attempts);
      release = { seqs: [], error: message, retryAt: new Date(Date.now() + delayMs) };
      releases.set(group, release);
      if (this.deliveryStreak === 0) {
        this.logger.warn(
          `OutboxRelay: delivering event ${record.eventId} (${record.type}) failed: ${message}. It and the later ` +
            `events of its key are retried in ${delayMs} ms (attempt ${attempts + 1}); further failures are not ` +
            `logged until a delivery succeeds.`,
        );
      }
    }
    this.deliveryStreak++;
    release.seqs.push(record.seq);
    return release;
  }

  private deliveryRecovered(): void {
    if (this.deliveryStreak === 0) return;
    this.logger.log(`OutboxRelay: deliveries succeed again after ${this.deliveryStreak} failed.`);
    this.deliveryStreak = 0;
  }

  /** Counts and logs (once per streak) a failed store call; returns how long to wait before the next try. */
  private storeFailed(error: unknown): number {
    const message = errorMessage(error);
    this.counters.storeFailures++;
    this.lastError = { message, at: new Date() };
    this.storeStreak++;
    const delayMs = backoffDelay(this.storeBackoff, this.storeStreak);
    if (this.storeStreak === 1) {
      this.logger.warn(
        `OutboxRelay: the outbox at ${this.store.description} failed (${message}); retrying with a growing delay ` +
          `(now ${delayMs} ms). Further failures are not logged until it works again.`,
      );
    }
    return delayMs;
  }

  private storeRecovered(): void {
    if (this.storeStreak === 0) return;
    this.logger.log(`OutboxRelay: the outbox works again after ${this.storeStreak} failed tries.`);
    this.storeStreak = 0;
  }

  /** Waits `ms`; `stop()` ends the wait, and `wake()` too when `wakeable`. */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleep = undefined;
        resolve();
      };
      // Waiting for the next poll is no reason to keep the process alive: the app's own server or connections are.
      const timer = setTimeout(done, ms).unref();
      this.sleep = { timer, done, wakeable };
    });
  }

  private endSleep(): void {
    this.sleep?.done();
  }
}
