import { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { DeadLetter } from './bus.interfaces';
import type { BusObserver, HandlerOutcome } from './bus-observer';
import { HandlerOutcomes } from './handler-outcomes';

/**
 * The bus's observers, filed by hook when added, so each call site loops only over those that implement it. An
 * observer that throws is logged and never affects the bus or the other observers.
 */
export class ObserverSet {
  private all: readonly BusObserver[] = [];
  private onEvent: readonly BusObserver[] = [];
  private onSettled: readonly BusObserver[] = [];
  private onDeadLetter: readonly BusObserver[] = [];
  /** Handler outcomes counted for metrics, without an observer call per handler. */
  readonly outcomes = new HandlerOutcomes();

  constructor(private readonly logger: Logger) {}

  /** Adds an observer; returns a function that removes it. */
  add(observer: BusObserver): () => void {
    this.file([...this.all, observer]);
    return () => this.file(this.all.filter((o) => o !== observer));
  }

  /** Whether any observer wants handler outcomes (checked before building their arguments). */
  get watchesHandlers(): boolean {
    return this.onSettled.length > 0;
  }

  /**
   * Tells every observer about a recorded event (`awaited`: an emitter waits for the outcome); returns the work
   * they still have to finish.
   */
  event(event: BusEvent, awaited = false): Promise<void>[] | undefined {
    let pending: Promise<void>[] | undefined;
    for (const observer of this.onEvent) {
      try {
        const work = observer.onEvent!(event, awaited);
        if (work) (pending ??= []).push(work);
      } catch (error) {
        this.logger.error(
          `An internal observer failed on "${event.type}": ${errorMessage(error)}`,
          ...correlationLog(event.correlationId),
        );
      }
    }
    return pending;
  }

  handlerSettled(event: BusEvent, handler: string, outcome: HandlerOutcome, durationMs?: number): void {
    for (const observer of this.onSettled) {
      try {
        observer.onHandlerSettled!(event, handler, outcome, durationMs);
      } catch (error) {
        this.logger.error(`An internal observer failed: ${errorMessage(error)}`);
      }
    }
  }

  deadLetter(letter: DeadLetter): void {
    for (const observer of this.onDeadLetter) {
      try {
        observer.onDeadLetter!(letter);
      } catch (error) {
        this.logger.error(`An internal observer failed: ${errorMessage(error)}`);
      }
    }
  }

  private file(observers: readonly BusObserver[]): void {
    this.all = observers;
    this.onEvent = observers.filter((o) => typeof o.onEvent === 'function');
    this.onSettled = observers.filter((o) => typeof o.onHandlerSettled === 'function');
    this.onDeadLetter = observers.filter((o) => typeof o.onDeadLetter === 'function');
  }
}
