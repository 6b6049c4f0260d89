import { EventTimeoutError } from '../errors/event-timeout.error';

/** Counts the bus's unfinished work (async handlers, waiting retries, observer writes) for `drain()`. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  start(): void {
    this.count++;
  }

  finish(): void {
    this.count--;
    if (this.count <= 0) this.release();
  }

  /**
   * Resolves once nothing is in flight. With `timeoutMs`, rejects with `EventTimeoutError` (saying how much is
   * still pending) when that passes first.
   */
  idle(timeoutMs?: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters = this.waiters.filter((w) => w !== done);
              reject(
                new EventTimeoutError(
                  `${this.count} handler(s) still running or waiting to retry after ${timeoutMs} ms.`,
                  timeoutMs,
                ),
              );
            }, timeoutMs);
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  private release(): void {
    this.count = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const done of waiters) done();
  }
}
