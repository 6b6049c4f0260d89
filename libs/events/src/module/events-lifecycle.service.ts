import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { EventBusService } from '../bus/event-bus.service';
import { SystemShutdown } from '../bus/system-events';
import { EventTimeoutError } from '../errors/event-timeout.error';

/**
 * On `app.close()` (and on signals when shutdown hooks are enabled): emits `system.shutdown`, then waits for
 * in-flight handlers, at most `shutdownTimeoutMs`, before Nest carries on closing. Runs in `onModuleDestroy`, the
 * first shutdown hook, so handlers still have the providers they depend on.
 */
@Injectable()
export class EventsLifecycle implements OnModuleDestroy {
  private readonly logger = new Logger('EventBus');

  constructor(private readonly bus: EventBusService) {}

  async onModuleDestroy(): Promise<void> {
    const { source, shutdownTimeoutMs } = this.bus.settings;
    this.bus.emit(SystemShutdown, { source, inFlight: this.bus.pending });
    try {
      await this.bus.drain(shutdownTimeoutMs);
    } catch (error) {
      if (!(error instanceof EventTimeoutError)) throw error;
      const unfinished = this.bus.pending;
      const cancelled = this.bus.cancelPendingRetries();
      this.logger.warn(
        `Shutdown: ${unfinished} handler(s) did not finish within ${shutdownTimeoutMs} ms ` +
          `(${cancelled} of them waiting to retry, cancelled); closing anyway.`,
      );
    }
  }
}
