import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@nestjs/common';
import type { Client } from 'pg';
import { backoffDelay, type Backoff } from '../../common/backoff';
import { errorMessage } from '../../common/error-message';

/** Reconnect delays of a lost `LISTEN` connection. */
const RECONNECT: Backoff = { baseMs: 100, factor: 2, maxMs: 5_000, jitter: 0.2 };

/**
 * One dedicated connection holding `LISTEN <channel>`; calls `wake` on each notification. A lost connection is
 * opened again with a growing delay, and `wake` is called once it is back (a commit may have happened meanwhile).
 */
export class PgListener {
  private client: Client | undefined;
  private stopped = false;
  private failures = 0;
  private reconnecting: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly makeClient: () => Client,
    private readonly channel: string,
    private readonly wake: () => void,
    private readonly logger: LoggerService,
    private readonly where: string,
  ) {}

  /** Connects once; on failure keeps trying in the background (the relay polls meanwhile). */
  async start(): Promise<void> {
    if (!(await this.connect())) this.reconnectLater();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.reconnecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<boolean> {
    const client = this.makeClient();
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.failed(error);
      return false;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return true;
    }
    this.client = client;
    if (this.failures > 0) {
      this.logger.log(`Listening for outbox commits on ${this.where} again.`);
      this.failures = 0;
    }
    return true;
  }

  private lost(client: Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    this.failed(new Error('the connection was lost'));
    this.reconnectLater();
  }

  private failed(error: unknown): void {
    this.failures++;
    if (this.failures === 1 && !this.stopped) {
      this.logger.warn(
        `Listening for outbox commits on ${this.where} failed (${errorMessage(error)}); reconnecting with a ` +
          `growing delay, polling meanwhile.`,
      );
    }
  }

  private reconnectLater(): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = (async () => {
      try {
        while (!this.stopped) {
          await sleep(backoffDelay(RECONNECT, this.failures), undefined, { signal: this.abort.signal });
          if (await this.connect()) {
            if (!this.stopped) this.wake();
            return;
          }
        }
      } catch {
        // Aborted by stop().
      } finally {
        this.reconnecting = undefined;
      }
    })();
  }
}
