import type { LoggerService } from '@nestjs/common';
import { errorMessage } from '../common/error-message';

/** A task run every `intervalMs`, never twice at once; a failure is logged once until the task succeeds again. */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: LoggerService,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs the task now unless it is running already (then waits for that run). */
  runOnce(): Promise<void> {
    return (this.running ??= this.task()
      .then(
        () => {
          this.failing = false;
        },
        (error: unknown) => {
          if (!this.failing) this.logger.warn(`${this.what} failed (${errorMessage(error)}); will retry`);
          this.failing = true;
        },
      )
      .finally(() => (this.running = undefined)));
  }
}
