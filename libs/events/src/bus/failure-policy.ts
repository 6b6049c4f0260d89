import type { Logger } from '@nestjs/common';
import { asError, errorParts, type ErrorParts } from '../common/error-message';
import type { EventContextStore } from '../context/context.keys';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import type { DeadLetter } from './bus.interfaces';
import type { HandlerEntry } from './handler-registry';
import type { AttemptFailed, BusTotals, HandlerSettle } from './handler-runner';
import type { InFlight } from './in-flight';
import type { ObserverSet } from './observer-set';
import type { AttemptTrace, BusTelemetry } from './ports/bus-telemetry.port';
import type { DeadLetterStore } from './ports/dead-letter-store.port';
import type { RetryScheduler } from './ports/retry-scheduler.port';
import { retryDelay } from './retry-policy';

/** Runs one more attempt of a handler inside `store` (the runner's `attemptIn`). */
export type RetryAttempt = (
  store: EventContextStore | null,
  entry: HandlerEntry,
  event: BusEvent,
  attempt: number,
  settle: HandlerSettle | undefined,
) => void;

/** Announces a new dead letter to the application (the bus emits `event.handler.failed`). */
export type AnnounceDeadLetter = (letter: DeadLetter) => void;

/** What the policy needs from the bus, given as parts rather than the bus itself. */
export interface FailurePolicyParts {
  readonly scheduler: RetryScheduler;
  readonly deadLetters: DeadLetterStore;
  readonly observers: ObserverSet;
  readonly inFlight: InFlight;
  readonly totals: BusTotals;
  readonly logger: Logger;
  readonly telemetry: BusTelemetry | undefined;
  /** A new unique id and the time now, for a dead letter. */
  readonly stamp: () => { id: string; at: string };
  readonly retry: RetryAttempt;
  readonly announce: AnnounceDeadLetter;
  /**
   * What a dead letter, the log and `event.handler.failed` keep of a thrown value: read once, never throwing,
   * secrets redacted (the event factory's `describeFailure`). Default: `errorParts`, unredacted.
   */
  readonly describe?: (thrown: unknown, event: BusEvent) => ErrorParts;
}

/**
 * Decides what happens after a failed attempt: another attempt through the `RetryScheduler` while the handler's
 * policy allows, else a dead letter in the `DeadLetterStore`, told to observers, logged and announced.
 */
export class FailurePolicy implements AttemptFailed {
  /** The exact subscription each dead letter came from (names can repeat); dropped with evicted letters. */
  private readonly replayTargets = new WeakMap<DeadLetter, HandlerEntry>();

  constructor(private readonly parts: FailurePolicyParts) {}

  failed(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    thrown: unknown,
    store: EventContextStore | null,
    settle: HandlerSettle | undefined,
    durationMs?: number,
    trace?: AttemptTrace,
  ): void {
    const { totals, observers } = this.parts;
    totals.failed++;
    entry.counters.failures++;
    observers.outcomes.current?.failed(entry.counters, event.type, entry.name, durationMs);
    if (observers.watchesHandlers) observers.handlerSettled(event, entry.name, 'failure', durationMs);
    if (attempt < entry.retry.attempts) {
      this.scheduleRetry(entry, event, attempt, thrown, store, settle, trace);
      return;
    }
    if (settle?.defersDeadLetters === true) {
      // The transport writes the dead letter from this error: hand it the redacted texts, as the bus keeps them.
      const error = this.redacted(thrown, event);
      contained(this.parts.logger, () => trace?.failed(error, { then: 'transport' }));
      settle.settled({ handler: entry.name, error, attempts: attempt });
      return;
    }
    const letter = this.deadLetter(entry.name, event, thrown, attempt, entry);
    contained(this.parts.logger, () => trace?.failed(asError(thrown), { then: 'dead-letter', letter }));
    settle?.settled({ handler: entry.name, error: asError(thrown), attempts: attempt });
  }

  /**
   * Tells of a dead letter a transport wrote for a delivery's failure: observers, telemetry, log and the
   * announcement, like one of the bus's own. `keep` adds it to this bus's store (when the transport keeps none).
   */
  transportDeadLetter(letter: DeadLetter, keep: boolean): void {
    if (keep) contained(this.parts.logger, () => this.parts.deadLetters.add(letter));
    contained(this.parts.logger, () => this.parts.telemetry?.deadLettered?.(letter));
    this.tell(letter);
  }

  /**
   * Records the final failure of a handler the bus did not run itself (a bridged CQRS handler): counted, told to
   * observers, dead-lettered and announced. Such a dead letter cannot be replayed.
   */
  recordExternal(event: BusEvent, handler: string, thrown: unknown, attempts: number): void {
    const { totals, observers } = this.parts;
    totals.failed++;
    observers.outcomes.current?.failed(undefined, event.type, handler);
    if (observers.watchesHandlers) observers.handlerSettled(event, handler, 'failure');
    const letter = this.deadLetter(handler, event, thrown, attempts);
    contained(this.parts.logger, () => this.parts.telemetry?.deadLettered?.(letter));
  }

  /** The subscription a dead letter came from, if it still exists. */
  replayTarget(letter: DeadLetter): HandlerEntry | undefined {
    const target = this.replayTargets.get(letter);
    return target?.active === true ? target : undefined;
  }

  private scheduleRetry(
    entry: HandlerEntry,
    event: BusEvent,
    failedAttempt: number,
    thrown: unknown,
    store: EventContextStore | null,
    settle: HandlerSettle | undefined,
    trace: AttemptTrace | undefined,
  ): void {
    const { totals, inFlight, scheduler } = this.parts;
    totals.retried++;
    entry.counters.retries++;
    inFlight.start();
    const delayMs = retryDelay(entry.retry, failedAttempt);
    const attempt = failedAttempt + 1;
    contained(this.parts.logger, () => trace?.failed(asError(thrown), { then: 'retry', attempt, delayMs }));
    scheduler.schedule({
      event,
      handler: entry.name,
      attempt,
      delayMs,
      run: () => {
        this.parts.retry(store, entry, event, attempt, settle);
        inFlight.finish();
      },
      abandon: () => {
        inFlight.finish();
        settle?.settled({ handler: entry.name, error: asError(thrown), attempts: failedAttempt });
      },
    });
  }

  private deadLetter(
    handler: string,
    event: BusEvent,
    thrown: unknown,
    attempts: number,
    replayTo?: HandlerEntry,
  ): DeadLetter {
    const { deadLetters, stamp } = this.parts;
    const { id, at } = stamp();
    const error = this.describe(thrown, event);
    const letter: DeadLetter = { id, event, handler, error, attempts, failedAt: at };
    contained(this.parts.logger, () => deadLetters.add(letter));
    if (replayTo) this.replayTargets.set(letter, replayTo);
    this.tell(letter);
    return letter;
  }

  /**
   * Observers, telemetry, the log and the announcement. Whatever one of them throws stays here: a handler's failure
   * never leaves the bus (the emitter, a promise, the process).
   */
  private tell(letter: DeadLetter): void {
    const { observers, logger, announce } = this.parts;
    const { event, handler, attempts } = letter;
    observers.deadLetter(letter);
    contained(logger, () =>
      logger.error(
        `Handler "${handler}" failed on "${event.type}" (${event.id}) after ${attempts} attempt(s): ${letter.error.message}`,
        ...correlationLog(event.correlationId),
      ),
    );
    contained(logger, () => announce(letter));
  }

  /** An `Error` holding the described (read once, redacted) name, message and stack of a thrown value. */
  private redacted(thrown: unknown, event: BusEvent): Error {
    const parts = this.describe(thrown, event);
    const error = new Error(parts.message);
    error.name = parts.name;
    error.stack = parts.stack;
    return error;
  }

  private describe(thrown: unknown, event: BusEvent): ErrorParts {
    try {
      return this.parts.describe?.(thrown, event) ?? errorParts(thrown);
    } catch {
      return errorParts(thrown);
    }
  }
}

/** Runs `step`; what it throws is logged (if the logger can) and goes no further. */
function contained(logger: Logger, step: () => void): void {
  try {
    step();
  } catch (error) {
    try {
      logger.error(`Recording a handler failure failed: ${errorParts(error).message}`);
    } catch {
      // The logger itself failed: nothing more can be done here.
    }
  }
}
