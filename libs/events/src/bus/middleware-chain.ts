import type { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import { deepFreeze } from '../event/json/json-payload';
import type { EmitResult, EventMiddleware } from './bus.interfaces';

/**
 * The bus's middleware, in the order added: `before` may replace or drop an event before it is recorded and
 * handled; `after` hears how a dispatch ended (its throws are logged, never passed on).
 */
export class MiddlewareChain {
  private list: readonly EventMiddleware[] = [];
  /** Whether any middleware is installed: the one check the dispatch path pays without middleware. */
  active = false;

  constructor(private readonly logger: Logger) {}

  /** Adds middleware; returns a function that removes it. */
  use(middleware: EventMiddleware): () => void {
    if (typeof middleware?.before !== 'function' && typeof middleware?.after !== 'function') {
      throw new TypeError('use() needs an object with a before(event) and/or after(event, result) function.');
    }
    this.set([...this.list, middleware]);
    return () => this.set(this.list.filter((m) => m !== middleware));
  }

  /** The event as every `before` left it (a replacement deep-frozen), or undefined when one dropped it. */
  before(event: BusEvent): BusEvent | undefined {
    let current = event;
    for (const middleware of this.list) {
      if (!middleware.before) continue;
      const next = middleware.before(current);
      if (next === false) return undefined;
      if (next !== undefined && next !== current) current = deepFreeze(next);
    }
    return current;
  }

  /** Tells every `after` how the dispatch of `event` ended. */
  after(event: BusEvent, result: EmitResult): void {
    for (const middleware of this.list) {
      if (!middleware.after) continue;
      try {
        middleware.after(event, result);
      } catch (error) {
        this.logger.error(
          `An after() middleware threw on "${event.type}": ${errorMessage(error)}`,
          ...correlationLog(event.correlationId),
        );
      }
    }
  }

  private set(list: readonly EventMiddleware[]): void {
    this.list = list;
    this.active = list.length > 0;
  }
}
