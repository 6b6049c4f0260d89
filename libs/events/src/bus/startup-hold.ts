import type { Logger } from '@nestjs/common';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { EmitResult } from './bus.interfaces';

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
}
