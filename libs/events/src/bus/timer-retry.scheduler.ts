import type { RetryRequest, RetryScheduler } from './ports/retry-scheduler.port';

/** The in-process `RetryScheduler`: a timer per waiting retry, in this process's memory. */
export class TimerRetryScheduler implements RetryScheduler {
  private readonly timers = new Map<NodeJS.Timeout, RetryRequest>();

  get waiting(): number {
    return this.timers.size;
  }

  schedule(request: RetryRequest): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      request.run();
    }, request.delayMs);
    this.timers.set(timer, request);
  }

  abandonAll(): number {
    const waiting = [...this.timers];
    this.timers.clear();
    for (const [timer] of waiting) clearTimeout(timer);
    for (const [, request] of waiting) request.abandon();
    return waiting.length;
  }
}
