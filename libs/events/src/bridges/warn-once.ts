import type { Logger } from '@nestjs/common';

const MAX_KEYS = 1000;

/** Logs each distinct warning once per bridge (bounded, so unbounded event names cannot grow memory). */
export class WarnOnce {
  private readonly seen = new Set<string>();

  constructor(private readonly logger: Pick<Logger, 'warn'>) {}

  warn(key: string, message: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size < MAX_KEYS) this.seen.add(key);
    this.logger.warn(message);
  }
}
