import { EventTimeoutError } from '../errors/event-timeout.error';
import type { BusEvent } from '../event/bus-event.interface';
import { isWildcardPattern } from '../event/event-type';
import type {
  EventBusStats,
  EventHandler,
  EventPattern,
  ListenerInfo,
  ListenerOptions,
  Subscription,
} from './bus.interfaces';
import type { HandlerRegistry } from './handler-registry';
import { EventsConfigError } from '../errors/events-config.error';
import type { EventInbox } from './ports/event-outbox.port';
import { setMember } from '../event/json/json-payload';
import { HandlerCounters } from './handler-stats';
import { resolveListenerOptions } from './listener-options';
import type { ResolvedRetryPolicy } from './retry-policy';
import type { RouteTable } from './route-table';

/** `waitFor()`'s options. */
export interface WaitForOptions<T> {
  timeoutMs?: number;
  filter?: (event: BusEvent<T>) => boolean;
}

/** Subscribes handlers (checking their options) and keeps each handler name's counters. */
export class Subscriptions {
  private readonly counters = new Map<string, HandlerCounters>();

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly routes: RouteTable,
    private readonly defaultRetry: ResolvedRetryPolicy,
    private readonly inbox?: EventInbox,
  ) {}

  /** `ownContext`: the handler runs in the event's child context (every user handler does). */
  subscribe(
    pattern: EventPattern,
    handler: EventHandler,
    options: ListenerOptions,
    ownContext: boolean,
  ): Subscription {
    if (typeof handler !== 'function') throw new TypeError('A listener must be a function.');
    const key = this.routes.patternKey(pattern);
    const { priority, retry, timeoutMs, local, idempotent } = resolveListenerOptions(
      options,
      this.defaultRetry,
    );
    const name = options.name ?? (handler.name || 'anonymous');
    const entry = this.registry.add({
      pattern: key,
      priority,
      name,
      handler: idempotent ? this.inboxed(handler, name) : handler,
      filter: options.filter,
      once: options.once === true,
      retry,
      timeoutMs,
      ownContext,
      // The bus's own waiters (`waitFor()`) see a distributed event wherever it shows up first.
      reach: !ownContext ? 'both' : local ? 'emit' : 'transport',
      counters: this.countersFor(name),
    });
    const registry = this.registry;
    return {
      unsubscribe: () => registry.remove(entry),
      get active() {
        return entry.active;
      },
    };
  }

  /** The next matching event; rejects with `EventTimeoutError` after `timeoutMs` (default 5 s). */
  waitFor(pattern: EventPattern, options: WaitForOptions<never>): Promise<BusEvent> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const label = typeof pattern === 'string' ? pattern : pattern.type;
    return new Promise<BusEvent>((resolve, reject) => {
      // Subscribe before arming the timer: a bad pattern throws here (rejecting) and must not leave a timer.
      // The handler cannot run before `timer` is set: subscribing never dispatches.
      const filter = options.filter as ListenerOptions['filter'];
      const subscription = this.subscribe(
        pattern,
        (event) => {
          clearTimeout(timer);
          resolve(event);
        },
        { once: true, filter, name: `waitFor(${label})` },
        false,
      );
      const timer = setTimeout(() => {
        subscription.unsubscribe();
        reject(new EventTimeoutError(`No "${label}" event arrived within ${timeoutMs} ms.`, timeoutMs));
      }, timeoutMs);
    });
  }

  /** See `EventBusService.listenerCount()`. */
  count(pattern?: EventPattern): number {
    if (pattern === undefined) return this.registry.size;
    const key = typeof pattern === 'string' ? pattern : pattern.type;
    if (isWildcardPattern(key)) return this.registry.all().filter((e) => e.pattern === key).length;
    return this.registry.countFor(key);
  }

  /** The subscribed listeners (not the bus's own waiters), in subscription order. */
  listeners(): ListenerInfo[] {
    return this.registry
      .all()
      .filter((entry) => entry.ownContext)
      .map(({ name, pattern, priority, reach }) => ({ name, pattern, priority, local: reach === 'emit' }));
  }

  /** Each handler name's figures. */
  handlerStats(): EventBusStats['handlers'] {
    const handlers: EventBusStats['handlers'] = {};
    // setMember: a handler named `__proto__` is an entry like any other, not the object's prototype.
    for (const [name, counters] of this.counters) setMember(handlers, name, counters.snapshot());
    return handlers;
  }

  /** `handler` behind the inbox, so that its effect is committed once per event. */
  private inboxed(handler: EventHandler, name: string): EventHandler {
    if (this.inbox === undefined) {
      throw new EventsConfigError(
        'idempotent',
        'false, or the outbox on: EventsModule.forRoot({ outbox: { store } }) from nestjs-event-bus/outbox, with ' +
          'ClsPluginTransactional registered (adapter wrapped in transactionalOutbox()) to open its transactions',
        true,
        'listener option',
      );
    }
    return this.inbox.wrap(handler, name);
  }

  private countersFor(name: string): HandlerCounters {
    let counters = this.counters.get(name);
    if (!counters) {
      counters = new HandlerCounters();
      this.counters.set(name, counters);
    }
    return counters;
  }
}
