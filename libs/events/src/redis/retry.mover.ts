import type { RedisClient } from './redis.connections';
import type { StreamKeys } from './redis.keys';
import type { StreamScripts } from './redis.scripts';

/** Retries moved per stream per pass: a burst of due retries drains over a few passes. */
const BATCH = 100;

/**
 * Moves due durable retries from each channel's schedule to its retry stream, each in one script call, where
 * the reader picks them up. Any instance may run it: the script makes a move happen once.
 */
export class RetryMover {
  constructor(
    private readonly commands: RedisClient,
    private readonly scripts: StreamScripts,
    private readonly keys: readonly StreamKeys[],
  ) {}

  /** One pass; returns how many retries moved. */
  async move(): Promise<number> {
    if (this.commands.status !== 'ready') return 0;
    const moved = await Promise.all(
      this.keys.map((keys) => this.scripts.moveDue(keys.schedule, keys.retries, BATCH)),
    );
    return moved.reduce((sum, n) => sum + n, 0);
  }
}
