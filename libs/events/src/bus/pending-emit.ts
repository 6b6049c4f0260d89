import type { EventContextStore } from '../context/context.keys';
import type { BusEvent } from '../event/bus-event.interface';
import type { EmitResult, HandlerFailure, HandlerResult } from './bus.interfaces';
import type { HandlerEntry } from './handler-registry';
import type { HandlerSettle } from './handler-runner';

/** The part of the dispatcher an awaited dispatch calls back. */
export interface AwaitedDispatch {
  /** Starts the handlers from `emit.next`, after the tier before them settled. */
  resume(emit: PendingEmit): void;
  /** Runs `after` middleware for the settled dispatch. */
  finished(event: BusEvent, result: EmitResult): void;
}

/**
 * One awaited dispatch (`emitAsync()`, a held or replayed event): counts its running handlers and observer work,
 * tells the dispatcher when a tier settled, and settles one promise with the result once everything has. Makes
 * no promise of its own unless the caller has to wait.
 */
export class PendingEmit implements HandlerSettle {
  handlers: readonly HandlerEntry[] = [];
  store: EventContextStore | null = null;
  /** The emitter's store the handlers' contexts are made from. */
  parent: EventContextStore | null = null;
  /** The index of the first handler not started yet. */
  next = 0;
  /** Set for a transport's delivery: failures go back to the transport instead of the dead letters. */
  defersDeadLetters = false;
  /** Set for an event a transport delivered: `before` middleware never saw it, so `after` middleware does not. */
  delivered = false;
  /** Set for a committed outbox event: middleware and the transport had it before this dispatch. */
  prepared = false;
  /** Called with each handler that succeeded (a transport's dedupe window records it). */
  onSucceeded: ((handler: string) => void) | undefined;
  private published: boolean | undefined;
  private handled = 0;
  private readonly failures: HandlerFailure[] = [];
  /** What successful handlers returned, when the caller asked for it. */
  private readonly values: HandlerResult[] | undefined;
  private runningHandlers = 0;
  private runningObservers = 0;
  private inLoop = false;
  private outcome: EmitResult | undefined;
  private observerError: { error: unknown } | undefined;
  private resolve: ((result: EmitResult) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  /** The promise of the async attempt started last, and the one handed to the caller as its result, if any. */
  private lastAttempt: Promise<unknown> | undefined;
  private handedOut: Promise<unknown> | undefined;

  constructor(
    private readonly dispatch: AwaitedDispatch,
    public event: BusEvent,
    collectResults = false,
  ) {
    this.values = collectResults ? [] : undefined;
  }

  /** The dispatch goes ahead with `event` (as middleware left it) and these handlers. */
  begin(
    event: BusEvent,
    handlers: readonly HandlerEntry[],
    store: EventContextStore | null,
    parent: EventContextStore | null,
  ): void {
    this.event = event;
    this.handlers = handlers;
    this.store = store;
    this.parent = parent;
  }

  /** Middleware dropped the event: nothing ran. */
  dropped(): void {
    this.outcome = { event: this.event, handled: 0, failed: [] };
    if (this.values !== undefined) this.outcome.results = this.values;
  }

  /** Observer work (an audit write, say) the result waits for; its rejection rejects the result. */
  awaitObservers(work: readonly Promise<void>[]): void {
    for (const promise of work) {
      this.runningObservers++;
      promise.then(
        () => this.observerSettled(),
        (error: unknown) => {
          this.observerError ??= { error };
          this.observerSettled();
        },
      );
    }
  }

  /** The event's publication, which the result waits for and reports as `published`. */
  awaitPublish(publication: Promise<boolean>): void {
    this.runningObservers++;
    void publication.then((published) => {
      this.published = published;
      this.observerSettled();
    });
  }

  enterLoop(): void {
    this.inLoop = true;
  }

  started(): void {
    this.handled++;
    this.runningHandlers++;
  }

  /** Whether handlers of the current tier are still running. */
  busy(): boolean {
    return this.runningHandlers > 0;
  }

  leaveLoop(next: number): void {
    this.inLoop = false;
    this.next = next;
    this.advance();
  }

  /** There were no handlers left to start. */
  allStarted(): void {
    this.next = this.handlers.length;
    this.advance();
  }

  settled(failure: HandlerFailure | undefined, handler?: string, value?: unknown): void {
    if (failure !== undefined) this.failures.push(failure);
    else {
      if (this.values !== undefined) this.values.push({ handler: handler!, value });
      this.onSucceeded?.(handler!);
    }
    this.runningHandlers--;
    if (!this.inLoop) this.advance();
  }

  tracking(attempt: Promise<unknown>): void {
    this.lastAttempt = attempt;
  }

  through(attempt: Promise<unknown>): unknown {
    if (attempt !== this.handedOut) return undefined;
    if (this.outcome === undefined) return this.later();
    if (this.observerError) throw this.observerError.error;
    return this.outcome;
  }

  /**
   * The result: already settled, or a promise settled once everything has. When all that is left is one async
   * handler (every tier started, no observer work), that handler's attempt promise is the result: it resolves to
   * the outcome once the handler settled, so the caller waits on no promise of the bus's own.
   */
  result(): Promise<EmitResult> {
    if (this.outcome !== undefined) {
      return this.observerError ? Promise.reject(this.observerError.error) : Promise.resolve(this.outcome);
    }
    // Attempts settle in promise jobs, so each one tracked so far is still running: with one running, it is the last.
    if (
      this.runningHandlers === 1 &&
      this.runningObservers === 0 &&
      this.next >= this.handlers.length &&
      this.lastAttempt !== undefined
    ) {
      this.handedOut = this.lastAttempt;
      return this.lastAttempt as Promise<EmitResult>;
    }
    return this.later();
  }

  /** A promise settled with the outcome once everything has. */
  private later(): Promise<EmitResult> {
    return new Promise<EmitResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  private observerSettled(): void {
    this.runningObservers--;
    if (!this.inLoop) this.advance();
  }

  private advance(): void {
    if (this.outcome !== undefined || this.runningHandlers > 0) return;
    if (this.next < this.handlers.length) {
      this.dispatch.resume(this);
      return;
    }
    if (this.runningObservers > 0) return;
    const outcome: EmitResult = { event: this.event, handled: this.handled, failed: this.failures };
    if (this.values !== undefined) outcome.results = this.values;
    if (this.published !== undefined) outcome.published = this.published;
    this.outcome = outcome;
    if (!this.delivered) this.dispatch.finished(this.event, outcome);
    if (this.observerError) this.reject?.(this.observerError.error);
    else this.resolve?.(outcome);
  }
}
