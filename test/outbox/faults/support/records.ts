import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { OutboxChildSettings } from './outbox-child';

/** Token of the child's settings. */
export const SETTINGS = Symbol('outbox-fault-settings');

/**
 * Appends lines to Redis lists under the test's prefix (RPUSH, awaited before a handler returns): a record exists
 * for every delivery that could have been acknowledged or deleted from the outbox.
 */
@Injectable()
export class Records implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(SETTINGS) private readonly settings: OutboxChildSettings) {
    this.redis = new Redis(settings.recordUrl, { maxRetriesPerRequest: null });
  }

  /** `RPUSH <prefix>:<list> <line>`. */
  async push(list: string, line: string): Promise<void> {
    await this.redis.rpush(`${this.settings.prefix}:${list}`, line);
  }

  get name(): string {
    return this.settings.name;
  }

  get workMs(): number {
    return this.settings.workMs ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
