import type { BusEvent } from '../event/bus-event.interface';
import type { EventData, EventDefinition } from '../event/event-definition';
import type { EventPattern, ListenerOptions } from '../bus/bus.interfaces';

/** Metadata key under which `@OnEvent()` records its subscriptions on the method. */
export const ON_EVENT_METADATA = 'nestjs-event-bus:on-event';

/** Options of `@OnEvent()`: those of `on()` (the name defaults to `ClassName.method`), plus one for request scope. */
export interface OnEventOptions<T = unknown> extends ListenerOptions<T> {
  /**
   * For a request-scoped listener: resolve it in the context of the HTTP request that emitted the event, so it
   * shares that request's request-scoped instances and `REQUEST` is the HTTP request (as `inheritRequestContextId`
   * does in `@nestjs/event-emitter`). Events emitted outside a request get a context of their own, as without it.
   * Ignored on singleton and transient listeners. Default false.
   */
  inheritRequestContextId?: boolean;
}

/** One `@OnEvent()` on a method, as recorded in metadata. */
export interface OnEventMetadata {
  readonly patterns: readonly EventPattern[];
  readonly options: OnEventOptions;
}

type HandlerMethod<T> = (event: BusEvent<T>) => unknown;
type TypedMethodDecorator<T> = <M extends HandlerMethod<T>>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/**
 * Subscribes the decorated method to events, discovered at bootstrap on providers and controllers. Takes a type,
 * a pattern (`user.*`, `tournament.**`), a definition (the event is then typed) or an array of them. Stackable.
 *
 * @example
 * \@OnEvent(UserCreated, { priority: EventPriority.HIGH, retry: { attempts: 3 } })
 * async sendWelcome(event: BusEvent<{ id: string }>) { ... }
 */
export function OnEvent<D extends EventDefinition<unknown, unknown>>(
  definition: D,
  options?: OnEventOptions<EventData<D>>,
): TypedMethodDecorator<EventData<D>>;
export function OnEvent(
  pattern: EventPattern | readonly EventPattern[],
  options?: OnEventOptions<never>,
): TypedMethodDecorator<never>;
export function OnEvent(
  pattern: EventPattern | readonly EventPattern[],
  options: OnEventOptions<never> = {},
): TypedMethodDecorator<never> {
  const patterns = (Array.isArray(pattern) ? [...pattern] : [pattern]) as EventPattern[];
  if (patterns.length === 0) {
    throw new TypeError('@OnEvent() needs at least one event type, pattern or definition.');
  }
  return (target, key, descriptor) => {
    const method = descriptor?.value;
    if (typeof method !== 'function') throw new TypeError('@OnEvent() can only decorate methods.');
    if (typeof target === 'function') {
      // Discovery reads instance methods only: a static one would be silently ignored.
      throw new TypeError(
        `@OnEvent() cannot decorate the static method ${target.name}.${String(key)}: make it an instance method.`,
      );
    }
    const existing: OnEventMetadata[] = Reflect.getMetadata(ON_EVENT_METADATA, method) ?? [];
    // Decorators apply bottom-up; prepend so the metadata lists them top-down, as written.
    const entry: OnEventMetadata = { patterns, options: options as OnEventOptions };
    Reflect.defineMetadata(ON_EVENT_METADATA, [entry, ...existing], method);
  };
}
