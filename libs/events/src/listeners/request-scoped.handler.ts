import type { InjectionToken } from '@nestjs/common';
import { ContextIdFactory, type ContextId, type ModuleRef } from '@nestjs/core';
import { CLS_REQ, ClsServiceManager } from 'nestjs-cls';
import type { EventHandler } from '../bus/bus.interfaces';
import type { BusEvent } from '../event/bus-event.interface';

/** What a request-scoped listener is resolved by: its provider's token, and whether its tree is durable. */
export interface ScopedListener {
  readonly token: InjectionToken;
  readonly durable: boolean;
  readonly methodName: string;
  /** Resolve it in the emitting HTTP request's context rather than one of its own. */
  readonly inheritRequestContextId: boolean;
}

/**
 * Builds the handlers of request-scoped listeners: each event resolves the listener in a DI context, as Nest's
 * router does for a request. By default that context is the event's own, with `{ event }` as `REQUEST`; its id
 * comes from `ContextIdFactory.getByRequest()`, so a registered context-id strategy applies and durable providers
 * are reused across events of the same durable sub-tree. With `inheritRequestContextId`, the context is that of the
 * HTTP request that emitted the event.
 */
export class RequestScopedHandlers {
  /** Context ids made here for HTTP requests Nest gave none, so the inheriting listeners of a request share one. */
  private readonly requestContexts = new WeakMap<object, ContextId>();

  constructor(private readonly moduleRef: ModuleRef) {}

  handlerFor(listener: ScopedListener): EventHandler {
    return async (event: BusEvent) => {
      // Read before the first await: the emitter's context is the one active when the handler is called.
      const contextId = this.contextIdFor(event, listener);
      const instance = await this.moduleRef.resolve(listener.token, contextId, { strict: false });
      return (instance as Record<string, EventHandler>)[listener.methodName](event);
    };
  }

  private contextIdFor(event: BusEvent, listener: ScopedListener): ContextId {
    const request = listener.inheritRequestContextId ? emittingRequest() : undefined;
    if (request !== undefined) return this.requestContextId(request, listener.durable);
    const host = { event };
    const contextId = ContextIdFactory.getByRequest(host);
    this.moduleRef.registerRequestByContextId(
      requestProviderValue(host, contextId, listener.durable),
      contextId,
    );
    return contextId;
  }

  /** The request's context id: Nest's own when the route made one (request-scoped controller), else one made here. */
  private requestContextId(request: object, durable: boolean): ContextId {
    let contextId = this.requestContexts.get(request);
    if (contextId === undefined) {
      contextId = ContextIdFactory.getByRequest(request);
      this.requestContexts.set(request, contextId);
      this.moduleRef.registerRequestByContextId(requestProviderValue(request, contextId, durable), contextId);
    }
    return contextId;
  }
}

/** The HTTP request of the active context (saved by the correlation middleware, or by nestjs-cls' own). */
function emittingRequest(): object | undefined {
  const request: unknown = ClsServiceManager.getClsService().get(CLS_REQ);
  return typeof request === 'object' && request !== null ? request : undefined;
}

/** What `REQUEST` holds, decided as Nest's router does: a durable tree gets the strategy's payload when it has one. */
function requestProviderValue(request: object, contextId: ContextId, durable: boolean): unknown {
  const { payload } = contextId;
  if (durable && payload !== undefined) return payload;
  return payload === undefined ? request : Object.assign(request, payload);
}
