import type { LoggerService } from '@nestjs/common';
import type { RedisClient } from './redis.connections';
import type { StreamKeys } from './redis.keys';
import type { StreamScripts } from './redis.scripts';
import type { ResolvedRedisStreamsOptions } from './redis-streams.options';
import type { TransportCounters } from './transport.counters';

/**
 * Trims each event stream by age, never below the oldest entry a group has not acknowledged. One instance at a
 * time does it: the one holding the stream's trim lock (taken with SET NX PX inside the trim script). Past
 * `retention.maxLength` it cuts the oldest entries whatever their state, warning each time: a safety valve
 * for a group that stopped for good.
 */
export class StreamTrimmer {
  constructor(
    private readonly commands: RedisClient,
    private readonly scripts: StreamScripts,
    private readonly keys: readonly StreamKeys[],
    private readonly holder: string,
    private readonly retention: ResolvedRedisStreamsOptions['retention'],
    private readonly counters: TransportCounters,
    private readonly logger: LoggerService,
  ) {}

  async trim(): Promise<void> {
    if (this.commands.status !== 'ready') return;
    const { maxAgeMs, maxLength, intervalMs } = this.retention;
    for (const keys of this.keys) {
      const result = await this.scripts.trim(keys.stream, keys.trimLock, [
        this.holder,
        intervalMs * 3,
        Date.now() - maxAgeMs,
        maxLength === undefined ? '' : String(maxLength),
      ]);
      if (result === null) continue;
      const [trimmed, capped, cut] = result;
      this.counters.trimmed += trimmed;
      this.counters.trimmedByCap += capped;
      if (trimmed > 0) this.logger.log(`Trimmed ${trimmed} entries of ${keys.stream} older than ${cut}`);
      if (capped > 0) {
        this.logger.warn(
          `Cut ${capped} entries of ${keys.stream} past retention.maxLength ${maxLength}, acknowledged or not: ` +
            'a group is far behind or stopped',
        );
      }
    }
  }
}
