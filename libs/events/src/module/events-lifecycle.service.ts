import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { OUTBOX_STORE, type OutboxStore } from '../bus/ports/outbox-store.port';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { EventBusService } from '../bus/event-bus.service';
import { SystemShutdown } from '../bus/system-events';
import { errorMessage } from '../common/error-message';
import { EventTimeoutError } from '../errors/event-timeout.error';
import { SHUTDOWN_TIMEOUT_MS } from './events-options.providers';

/**
 * On `app.close()` (and on signals when shutdown hooks are enabled): emits `system.shutdown`, stops the outbox
 * relay (finishing the rows in hand), closes the remote transport if there is one (publishing what waits,
 * finishing its deliveries in hand), then waits for in-flight handlers and scheduled retries, at most
 * `shutdownTimeoutMs`, before Nest carries on closing.
 *
 * Runs in `onModuleDestroy`. Nest calls that hook on global modules (this one) after the application's own
 * modules, so their `onModuleDestroy` hooks have already run when the drain starts; `beforeApplicationShutdown`,
 * the HTTP server's close and `onApplicationShutdown` all come after it. Resources that handlers use should be
 * released in those later hooks.
 *
 * In `onApplicationShutdown`, the last phase (after the HTTP server stopped taking requests), it closes the bus:
 * from then on `emit()` throws `EventBusClosedError`, so nothing dispatches after `app.close()` returned. Then it
 * closes the outbox store's own connections (rows still waiting are relayed by the next start, or another instance).
 */
@Injectable()
export class EventsLifecycle implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');

  constructor(
    private readonly bus: EventBusService,
    @Inject(BUS_OPTIONS) private readonly busOptions: BusOptions,
    @Inject(SHUTDOWN_TIMEOUT_MS) private readonly shutdownTimeoutMs: number,
    @Optional() @Inject(OUTBOX_STORE) private readonly outboxStore?: OutboxStore | null,
  ) {}

  async onModuleDestroy(): Promise<void> {
    const shutdownTimeoutMs = this.shutdownTimeoutMs;
    this.bus.emit(SystemShutdown, { source: this.busOptions.source, inFlight: this.bus.pending });
    try {
      await this.bus.disconnect();
    } catch (error) {
      this.logger.error(
        `Shutdown: stopping the outbox relay or the transport failed: ${errorMessage(error)}`,
      );
    }
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

  async onApplicationShutdown(): Promise<void> {
    this.bus.close();
    try {
      await this.outboxStore?.close();
    } catch (error) {
      this.logger.error(`Shutdown: closing the outbox store failed: ${errorMessage(error)}`);
    }
  }
}
