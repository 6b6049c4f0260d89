import { Injectable, Optional } from '@nestjs/common';
import { ClsService, ClsServiceManager } from 'nestjs-cls';
import { checkContextText } from '../event/envelope-text';
import { EventIdGenerator } from '../event/event-id.generator';
import { ACTOR_ID_KEY, CAUSATION_ID_KEY, CORRELATION_ID_KEY, type EventContextStore } from './context.keys';

/** Ids for a context started with `EventContext.run()`. */
export interface EventContextRunOptions {
  /** Defaults to a new UUIDv7. */
  correlationId?: string;
  actorId?: string;
}

/**
 * The correlation context of the current request, job or event handler, kept in nestjs-cls. Events emitted
 * inside it carry its correlation id and actor; inside a handler, also the handled event's id as causation id.
 */
@Injectable()
export class EventContext {
  private readonly ids = new EventIdGenerator();
  private readonly cls: ClsService;

  constructor(@Optional() cls?: ClsService) {
    this.cls = cls ?? ClsServiceManager.getClsService();
  }

  /** The current correlation id, or undefined outside any context. */
  get correlationId(): string | undefined {
    return this.store()?.[CORRELATION_ID_KEY];
  }

  /** Inside a handler: the id of the event being handled. */
  get causationId(): string | undefined {
    return this.store()?.[CAUSATION_ID_KEY];
  }

  /** Who is acting in this context (set with `setActor`). */
  get actorId(): string | undefined {
    return this.store()?.[ACTOR_ID_KEY];
  }

  /** True inside a request, `run()` or handler context. */
  isActive(): boolean {
    return this.cls.isActive();
  }

  /**
   * Records who is acting, typically from an auth guard; events emitted afterwards in this context carry it
   * (`undefined` clears it). Throws `EnvelopeTextError` for an id that cannot go into an event (not 1 to 200
   * characters, or holding NUL, CR, LF or a lone UTF-16 surrogate), and an error outside a context, where there
   * is nothing to attach it to.
   */
  setActor(actorId: string | undefined): void {
    if (actorId !== undefined) checkContextText('EventContext.setActor()', 'actorId', actorId);
    const store = this.store();
    if (!store) {
      throw new Error(
        'EventContext.setActor() was called outside any context. Call it while handling a request (e.g. in a ' +
          'guard), inside an event handler, or wrap the code in eventContext.run(...) or a @Correlated() method.',
      );
    }
    store[ACTOR_ID_KEY] = actorId;
  }

  /**
   * Sets the correlation id of the current context (e.g. from a message header: pass it through
   * `sanitizeCorrelationId()` first). Throws `EnvelopeTextError` for an id that cannot go into an event.
   */
  setCorrelationId(correlationId: string): void {
    checkContextText('EventContext.setCorrelationId()', 'correlationId', correlationId);
    const store = this.store();
    if (!store)
      throw new Error('EventContext.setCorrelationId() needs an active context; use run() instead.');
    store[CORRELATION_ID_KEY] = correlationId;
  }

  /**
   * Runs `fn` in a fresh context with its own correlation id (given or generated) and actor. Throws
   * `EnvelopeTextError`, before running anything, for an id that cannot go into an event.
   */
  run<T>(fn: () => T, options: EventContextRunOptions = {}): T {
    if (options.correlationId !== undefined) {
      checkContextText('EventContext.run()', 'correlationId', options.correlationId);
    }
    if (options.actorId !== undefined) checkContextText('EventContext.run()', 'actorId', options.actorId);
    const store: EventContextStore = {
      [CORRELATION_ID_KEY]: options.correlationId ?? this.ids.next(),
      [ACTOR_ID_KEY]: options.actorId,
    };
    return this.cls.runWith(store as never, fn);
  }

  private store(): EventContextStore | undefined {
    return this.cls.get() as EventContextStore | undefined;
  }
}
