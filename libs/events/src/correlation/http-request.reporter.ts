import { performance } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import { ContextClsStoreMap, type ClsService } from 'nestjs-cls';
import type { EventBusService } from '../bus/event-bus.service';
import { roundMs } from '../common/round-ms';
import type { EventContextStore } from '../context/context.keys';
import {
  HTTP_REQUEST_DEFINITIONS,
  HttpRequestCompleted,
  HttpRequestFailed,
  type FinishedHttpRequest,
} from './http-request.events';
import { expressRoutePattern, fastifyRoutePattern, routePattern, type PlatformRequest } from './http-route';

/** The severity of `http.request.failed`; `undefined` means the request completed. */
type FailureSeverity = 'warning' | 'error' | undefined;

/**
 * Internal: tells how each routed request ended, `http.request.completed` or `http.request.failed`, once its
 * response closes (finished, or aborted by the client). The correlation middleware hands it every request as the
 * request arrives; whether it was routed, and to which route, is read when the response closes.
 */
export class HttpRequestReporter {
  /** Reads the route a request matched, as its platform keeps it (set when the middleware mounts). */
  private routeOf: (request: PlatformRequest) => string | undefined = routePattern;
  /** Whether an app's own nestjs-cls initializer may have filed a later store under the request. */
  private storesFiled = true;

  constructor(
    private readonly bus: EventBusService,
    private readonly cls: ClsService,
  ) {
    bus.register(...HTTP_REQUEST_DEFINITIONS);
  }

  /**
   * Told by the correlation middleware when it mounts: the platform (Fastify or Express), and whether the app set up
   * nestjs-cls itself (only then can a later store be filed under the request). Neither is looked up per request.
   */
  mounted(fastify: boolean, appSetsUpCls: boolean): void {
    this.routeOf = fastify ? fastifyRoutePattern : expressRoutePattern;
    this.storesFiled = appSetsUpCls;
  }

  /** Starts the request's clock and reports the request, inside its `store`, when `response` closes. */
  watch(request: PlatformRequest, response: ServerResponse, store: EventContextStore): void {
    const started = performance.now();
    // A response closes once, finished or aborted: a plain listener is enough (`once` would wrap it). One closure
    // carries the request's state; a property added to Node's response objects costs more than a closure.
    response.on('close', () => this.closed(request, response, store, started));
  }

  private closed(
    request: PlatformRequest,
    response: ServerResponse,
    store: EventContextStore,
    started: number,
  ): void {
    const route = this.routeOf(request);
    // No route: the router's 404 (or an error before routing); such requests get an id but no request events.
    if (route === undefined) return;
    const info: FinishedHttpRequest = {
      method: request.method ?? 'UNKNOWN',
      route,
      statusCode: response.statusCode,
      durationMs: roundMs(performance.now() - started),
    };
    // Not finished on close: the client went away before the whole response was sent.
    const severity = failureSeverity(info.statusCode, !response.writableFinished);
    const final = this.storesFiled ? finalStore(request, store) : store;
    // The response usually closes inside the request's own context: emit right away. When it does not (an
    // aborted request closes from its socket), emit inside the request's store.
    if (this.cls.get() === final) this.report(info, severity);
    else this.cls.runWith(final as never, () => this.report(info, severity));
  }

  private report(info: FinishedHttpRequest, severity: FailureSeverity): void {
    // A response that closes after the app closed is not reported: the bus refuses events then.
    if (this.bus.isClosed()) return;
    if (severity === undefined) this.bus.emit(HttpRequestCompleted, info);
    else this.bus.emit(HttpRequestFailed, info, { severity });
  }
}

/**
 * The store the request ended in. An app's own `ClsMiddleware` continues the request in a copy of the store the
 * correlation middleware opened, and files that copy under the request: what the request added later (the actor)
 * is there. Without one, nothing else is filed under the request and the opened store is the one.
 */
function finalStore(request: PlatformRequest, opened: EventContextStore): EventContextStore {
  const filed = ContextClsStoreMap.getByRaw(request.raw ?? request) as EventContextStore | undefined;
  return filed ?? opened;
}

/** `error` for an aborted request or a 5xx, `warning` for any other status of 400 or more. */
function failureSeverity(statusCode: number, aborted: boolean): FailureSeverity {
  if (aborted || statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'warning' : undefined;
}
