import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ClsService, ContextClsStoreMap } from 'nestjs-cls';
import { EventBusService } from '../bus/event-bus.service';
import { roundMs } from '../common/round-ms';
import { CORRELATION_ID_KEY, type EventContextStore } from '../context/context.keys';
import { CorrelationIdSource } from './correlation-id.source';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';
import {
  HTTP_REQUEST_DEFINITIONS,
  HttpRequestCompleted,
  HttpRequestFailed,
  HttpRequestStarted,
  type FinishedHttpRequest,
} from './http-request.events';
import { correlationIdFromMessage } from './rpc-correlation';

/** The request as Express (the Node request itself) or Fastify (a wrapper with `raw`) hands it over. */
type PlatformRequest = IncomingMessage & { route?: { path?: unknown }; routeOptions?: { url?: unknown } };
/** The response as Express (the Node response) or Fastify (a reply with `raw`) hands it over. */
type PlatformResponse = ServerResponse & { raw?: ServerResponse };

/**
 * Internal, mounted as a global guard that always lets the request through; a guard because it is the cheapest
 * place Nest offers that runs after routing and for every transport (a global interceptor costs several times
 * more per request).
 *
 * HTTP: emits `http.request.started` once the route is known, and `completed`/`failed` when the response is done
 * (the correlation context itself is opened earlier, by the correlation middleware).
 * Microservices: opens the message's context with the id it carries (transport headers or a `correlationId`
 * payload field), else a generated one; like nestjs-cls' `ClsGuard` it enters it for the rest of the handling.
 */
@Injectable()
export class CorrelationGuard implements CanActivate {
  private readonly httpEvents: boolean;
  private readonly headers: readonly string[];

  constructor(
    private readonly bus: EventBusService,
    private readonly cls: ClsService,
    private readonly source: CorrelationIdSource,
    @Inject(CORRELATION_OPTIONS) options: ResolvedCorrelationOptions,
  ) {
    this.httpEvents = options.httpEvents;
    this.headers = options.headers;
    if (this.httpEvents) bus.register(...HTTP_REQUEST_DEFINITIONS);
  }

  canActivate(context: ExecutionContext): boolean {
    const type = context.getType();
    if (type === 'http') {
      if (this.httpEvents) this.observeRequest(context);
    } else if (type === 'rpc') {
      this.enterMessageContext(context);
    }
    return true;
  }

  private observeRequest(context: ExecutionContext): void {
    // The arguments directly: switchToHttp() builds a new accessor object on every call.
    const request = context.getArgByIndex<PlatformRequest>(0);
    const reply = context.getArgByIndex<PlatformResponse>(1);
    const raw = reply.raw;
    const method = request.method ?? 'UNKNOWN';
    // Fastify hands over a reply wrapping the raw response and keeps the pattern in routeOptions; Express the
    // Node response itself and the pattern in req.route.
    const route = routePattern(
      raw === undefined
        ? (request.route?.path ?? request.routeOptions?.url)
        : (request.routeOptions?.url ?? request.route?.path),
    );
    const response = raw ?? reply;
    const store = this.cls.get() as EventContextStore | undefined;
    const started = performance.now();
    this.bus.emit(HttpRequestStarted, { method, route });
    // A response closes once, finished or aborted: a plain listener is enough (`once` would wrap it). Nothing is
    // stored on the response itself: a property added to Node's response objects measured slower than a closure.
    response.on('close', () => this.requestClosed(response, store, method, route, started));
  }

  /** Emits `completed` or `failed` for a response that closed (finished, or aborted by the client). */
  private requestClosed(
    response: ServerResponse,
    store: EventContextStore | undefined,
    method: string,
    route: string,
    started: number,
  ): void {
    const statusCode = response.statusCode;
    const durationMs = roundMs(performance.now() - started);
    // Not finished on close: the client went away before the whole response was sent.
    const aborted = !response.writableFinished;
    const info = { method, route, statusCode, durationMs };
    const severity = aborted || statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warning' : undefined;
    // The response usually closes inside the request's own context (Express): emit right away. When it does not,
    // emit inside the request's store, or outside any context when the request had none.
    if (this.cls.get() === store) this.emitFinished(info, severity);
    else if (store === undefined) this.cls.exit(() => this.emitFinished(info, severity));
    else this.cls.runWith(store as never, () => this.emitFinished(info, severity));
  }

  /** `http.request.completed`, or `http.request.failed` (with its severity) for a 4xx/5xx or an aborted request. */
  private emitFinished(info: FinishedHttpRequest, failedSeverity: 'warning' | 'error' | undefined): void {
    if (failedSeverity === undefined) this.bus.emit(HttpRequestCompleted, info);
    else this.bus.emit(HttpRequestFailed, info, { severity: failedSeverity });
  }

  private enterMessageContext(context: ExecutionContext): void {
    const active = this.cls.get() as EventContextStore | undefined;
    const filed = ContextClsStoreMap.get(context) as EventContextStore | undefined;
    if (active !== undefined && filed === active) {
      // The app's own ClsGuard/ClsInterceptor opened this message's context already: add the id to it.
      if (active[CORRELATION_ID_KEY] === undefined) active[CORRELATION_ID_KEY] = this.idOfMessage(context);
      return;
    }
    const store: EventContextStore = filed ?? {};
    if (store[CORRELATION_ID_KEY] === undefined) store[CORRELATION_ID_KEY] = this.idOfMessage(context);
    if (filed === undefined) ContextClsStoreMap.set(context, store);
    this.cls.enterWith(store as never);
  }

  private idOfMessage(context: ExecutionContext): string {
    const rpc = context.switchToRpc();
    return correlationIdFromMessage(rpc.getData(), rpc.getContext(), this.headers) ?? this.source.generate();
  }
}

/** The matched route pattern (`/users/:id`), never the concrete URL or its query string. */
function routePattern(pattern: unknown): string {
  return typeof pattern === 'string' ? pattern : '(unknown)';
}
