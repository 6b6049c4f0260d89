import { ClsServiceManager } from 'nestjs-cls';
import { EventIdGenerator } from '../event/event-id.generator';
import { CORRELATION_ID_KEY, type EventContextStore } from './context.keys';

/**
 * Runs the decorated method in a fresh correlation context with a new id, so that everything it emits is one
 * story: for `@Cron` jobs, queue consumers and CLI commands, where no request started a context.
 */
export function Correlated(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new TypeError('@Correlated() can only decorate methods.');
    const ids = new EventIdGenerator();
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const store: EventContextStore = { [CORRELATION_ID_KEY]: ids.next() };
      return ClsServiceManager.getClsService().runWith(store as never, () => original.apply(this, args));
    };
    // Keep the name and any metadata other decorators (e.g. @Cron, @OnEvent) attached to the original.
    Object.defineProperty(wrapped, 'name', { value: original.name });
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    }
    descriptor.value = wrapped;
    return descriptor;
  };
}
