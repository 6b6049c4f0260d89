import type { BusEvent } from '../../event/bus-event.interface';

/** One retry of one handler, as the failure policy asks for it. */
export interface RetryRequest {
  readonly event: BusEvent;
  /** The handler's name. */
  readonly handler: string;
  /** The attempt the retry will be (2 for the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  /** Runs that attempt in this process. */
  run(): void;
  /** Gives the retry up (at shutdown): the handler settles with its last failure. */
  abandon(): void;
}

/** Runs handler retries when they are due. */
export interface RetryScheduler {
  schedule(request: RetryRequest): void;
  /** Retries waiting right now. */
  readonly waiting: number;
  /** Gives up every waiting retry (calling its `abandon()`); returns how many there were. */
  abandonAll(): number;
}

/** Injection token of the bus's `RetryScheduler`. */
export const RETRY_SCHEDULER = Symbol('nestjs-event-bus:retry-scheduler');
