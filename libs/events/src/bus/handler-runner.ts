import { performance } from 'node:perf_hooks';
import type { ClsService } from 'nestjs-cls';
import type { EventContextStore } from '../context/context.keys';
import { EventTimeoutError } from '../errors/event-timeout.error';
import type { BusEvent } from '../event/bus-event.interface';
import { withTimeout } from '../common/with-timeout';
import type { HandlerFailure } from './bus.interfaces';
import type { HandlerEntry } from './handler-registry';
import type { InFlight } from './in-flight';
import type { ObserverSet } from './observer-set';
import type { AttemptTrace, BusTelemetry } from './ports/bus-telemetry.port';

/**
 * Told the final outcome of one handler for one event: its failure, or undefined on success with the handler's
 * name and what it returned (a promise's value for an async handler).
 */
export interface HandlerSettle {
  /**
   * Set for a delivery from a transport: a handler out of in-process attempts is only reported here, and the
   * transport decides between a durable retry and a dead letter.
   */
  readonly defersDeadLetters?: boolean;
  settled(failure: HandlerFailure | undefined, handler?: string, value?: unknown): void;
  /** Told the promise of each async attempt it waits for (the one an awaited dispatch may hand its caller). */
  tracking?(attempt: Promise<unknown>): void;
  /**
   * What an async attempt's promise resolves to once the attempt settled: for the promise an awaited dispatch
   * handed its caller, the dispatch's result (or a promise of it); undefined for any other.
   */
  through?(attempt: Promise<unknown>): unknown;
}

/** What the runner hands a failed attempt to (the failure policy). */
export interface AttemptFailed {
  failed(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    thrown: unknown,
    store: EventContextStore | null,
    settle: HandlerSettle | undefined,
    durationMs?: number,
    trace?: AttemptTrace,
  ): void;
}

/** The bus's running totals, read by `stats()`. */
export interface BusTotals {
  emitted: number;
  handled: number;
  failed: number;
  retried: number;
}

/** A mask of the call count: one synchronous attempt in 64 is timed (every async one is). */
const SYNC_TIMING_SAMPLE_MASK = 63;

/**
 * Runs one attempt of one handler: counts it, times a sample, catches what it throws or rejects (a handler's
 * error never leaves the runner), applies its timeout, and runs it in an attempt trace when there is telemetry
 * (ended with the outcome: by the runner on success, by the failure policy on failure). The caller has already
 * entered the event's child context.
 */
export class HandlerRunner {
  /** Set once the failure policy exists (it needs the runner to retry). */
  onFailure!: AttemptFailed;

  constructor(
    private readonly cls: ClsService,
    private readonly observers: ObserverSet,
    private readonly inFlight: InFlight,
    private readonly totals: BusTotals,
    private readonly telemetry: BusTelemetry | undefined,
  ) {}

  /** Runs an attempt inside `store` (a retry or a replay, outside any dispatch). */
  attemptIn(
    store: EventContextStore | null,
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    settle: HandlerSettle | undefined,
  ): void {
    if (store === null) this.attempt(entry, event, attempt, store, settle);
    else this.cls.runWith(store as never, () => this.attempt(entry, event, attempt, store, settle));
  }

  attempt(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    store: EventContextStore | null,
    settle: HandlerSettle | undefined,
  ): void {
    const counters = entry.counters;
    counters.calls++;
    const timed = (counters.calls & SYNC_TIMING_SAMPLE_MASK) === 0;
    const started = timed ? performance.now() : 0;
    let result: unknown;
    let thenable: boolean;
    let trace: AttemptTrace | undefined;
    try {
      if (this.telemetry === undefined || !this.telemetry.active()) result = entry.handler(event);
      else {
        trace = this.telemetry.startAttempt({ event, handler: entry.name, attempt });
        result = this.traced(trace, entry, event);
      }
      // Inside the try: a returned object's `then` getter is the handler's code and may throw too.
      thenable =
        result !== null &&
        typeof result === 'object' &&
        typeof (result as PromiseLike<unknown>).then === 'function';
    } catch (error) {
      this.onFailure.failed(entry, event, attempt, error, store, settle, undefined, trace);
      return;
    }
    if (thenable) {
      this.track(entry, event, attempt, result as PromiseLike<unknown>, store, settle, trace);
      return;
    }
    let durationMs: number | undefined;
    if (timed) counters.recordDuration((durationMs = performance.now() - started));
    trace?.succeeded();
    this.succeeded(entry, event, settle, durationMs, result);
  }

  /** A method of its own: a closure in `attempt` would make V8 allocate its context on every attempt. */
  private traced(trace: AttemptTrace, entry: HandlerEntry, event: BusEvent): unknown {
    return trace.run(() => entry.handler(event));
  }

  private track(
    entry: HandlerEntry,
    event: BusEvent,
    attempt: number,
    result: PromiseLike<unknown>,
    store: EventContextStore | null,
    settle: HandlerSettle | undefined,
    trace: AttemptTrace | undefined,
  ): void {
    this.inFlight.start();
    const started = performance.now();
    // A foreign thenable's then() may throw synchronously; Promise.resolve() turns that into a rejection.
    const promise = Promise.resolve(result);
    const running =
      entry.timeoutMs === undefined
        ? promise
        : withTimeout(promise, entry.timeoutMs, () => timedOut(entry.name, entry.timeoutMs!));
    const tracked: Promise<unknown> = running.then(
      (value) => {
        const durationMs = performance.now() - started;
        entry.counters.recordDuration(durationMs);
        trace?.succeeded();
        this.succeeded(entry, event, settle, durationMs, value);
        this.inFlight.finish();
        return settle?.through?.(tracked);
      },
      (error: unknown) => {
        const durationMs = performance.now() - started;
        entry.counters.recordDuration(durationMs);
        try {
          this.onFailure.failed(entry, event, attempt, error, store, settle, durationMs, trace);
        } catch {
          // The failure policy logs what it can; a port that throws (a custom retry scheduler) must not turn into
          // an unhandled rejection here.
        }
        this.inFlight.finish();
        return settle?.through?.(tracked);
      },
    );
    settle?.tracking?.(tracked);
  }

  private succeeded(
    entry: HandlerEntry,
    event: BusEvent,
    settle: HandlerSettle | undefined,
    durationMs: number | undefined,
    value: unknown,
  ): void {
    this.totals.handled++;
    const tallies = this.observers.outcomes.current;
    if (tallies !== undefined) tallies.succeeded(entry.counters, event.type, entry.name, durationMs);
    if (this.observers.watchesHandlers) {
      this.observers.handlerSettled(event, entry.name, 'success', durationMs);
    }
    settle?.settled(undefined, entry.name, value);
  }
}

function timedOut(name: string, timeoutMs: number): EventTimeoutError {
  return new EventTimeoutError(`Handler "${name}" did not finish within ${timeoutMs} ms.`, timeoutMs);
}
