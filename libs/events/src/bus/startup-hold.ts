import type { Logger } from '@nestjs/common';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import { errorMessage } from '../common/error-message';
import type { EmitResult } from './bus.interfaces';
import type { Dispatcher } from './dispatcher';

/** An event emitted before startup completed, waiting for listeners to be discovered. */
export interface HeldEvent {
  readonly event: BusEvent;
  readonly size: number;
  /** Set for `emitAsync()`: settles its promise once the event is delivered. */
  readonly settle?: (result: EmitResult) => void;
  readonly fail?: (error: unknown) => void;
}

/** Holds events emitted before listener discovery completed, up to a bound, to deliver them in order later. */
export class StartupHold {
  private held: HeldEvent[] = [];
  private droppedCount = 0;
  private warnedAsync = false;

  constructor(
    private readonly max: number,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.held.length;
  }

  /** Events that could not be held because the hold was full. */
  get dropped(): number {
    return this.droppedCount;
  }

  hold(item: HeldEvent): void {
    if (this.held.length < this.max) {
      this.held.push(item);
      return;
    }
    this.droppedCount++;
    this.logger.error(
      `Event "${item.event.type}" (${item.event.id}) was emitted before startup completed and the hold queue ` +
        `is full (${this.max}); it was not delivered. ${this.droppedCount} dropped so far. ` +
        `Raise maxHeldEvents or emit after bootstrap.`,
      ...correlationLog(item.event.correlationId),
    );
    item.settle?.({ event: item.event, handled: 0, failed: [] });
  }

  /** Awaiting a held emitAsync() in onModuleInit would block startup forever: say so once, as it happens. */
  warnHeldEmitAsync(type: string): void {
    if (this.warnedAsync) return;
    this.warnedAsync = true;
    this.logger.warn(
      `emitAsync("${type}") was called before startup completed: the event is held and its promise settles only ` +
        `once listeners are discovered (onApplicationBootstrap). Do not await it in a constructor or onModuleInit: ` +
        `startup would wait forever. Use emit() there, or emit from onApplicationBootstrap.`,
    );
  }

  /** Everything held, oldest first; the hold is empty afterwards. */
  release(): HeldEvent[] {
    const held = this.held;
    this.held = [];
    return held;
  }

  /** Delivers everything held, oldest first, through `dispatcher`; the hold is empty afterwards. */
  deliverAll(dispatcher: Pick<Dispatcher, 'deliver'>): void {
    for (const { event, size, settle, fail } of this.release()) {
      if (settle) {
        dispatcher.deliver(event, size, true).then(settle, fail);
        continue;
      }
      // Its emitter is long gone: a throwing middleware must not cost the other held events (or startup).
      try {
        dispatcher.deliver(event, size, false);
      } catch (error) {
        this.logger.error(
          `Delivering held event "${event.type}" (${event.id}) failed: ${errorMessage(error)}`,
        );
      }
    }
  }
}
