import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { CLS_REQ, ClsService, ContextClsStoreMap } from 'nestjs-cls';
import { CORRELATION_ID_KEY, type EventContextStore } from '../context/context.keys';
import { CorrelationIdSource } from './correlation-id.source';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';
import type { HttpRequestReporter } from './http-request.reporter';
import type { PlatformRequest } from './http-route';

/** Fastify's request in an `onRequest` hook: the Node request as `raw`, the route as `routeOptions`. */
type FastifyRequestLike = PlatformRequest & { raw: IncomingMessage };

/** The part of a Fastify instance the middleware uses (Fastify itself is not imported: it is optional). */
interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (
      request: FastifyRequestLike,
      reply: { raw: ServerResponse; header(name: string, value: string): unknown },
      done: () => void,
    ) => void,
  ): unknown;
}

/**
 * Internal: gives every HTTP request its correlation id (from the configured headers, else generated), echoes it
 * in the response header, and opens the request's CLS context, unless the app's own `ClsMiddleware` already opened
 * one for this request: then the id is only added to that store, so there is one store per request. With request
 * events on, it also hands the request to the `HttpRequestReporter`, which reports its end when the response closes.
 *
 * Mounted straight on the platform (an Express middleware, a Fastify `onRequest` hook) rather than as a Nest
 * middleware, around which Nest adds its own path matching and exception proxy: it runs for every request, routed
 * or not. When the app set up nestjs-cls itself, the store is filed in nestjs-cls' `ContextClsStoreMap` under the
 * request, so a `ClsMiddleware`, `ClsGuard` or `ClsInterceptor` the app mounts reuses it.
 */
@Injectable()
export class CorrelationMiddleware {
  private readonly responseHeader: string | false;
  /** Whether the app set up nestjs-cls itself (`ClsModule.forRoot`), so its initializers may look for our store. */
  private fileStores = true;

  constructor(
    private readonly cls: ClsService,
    private readonly source: CorrelationIdSource,
    @Inject(CORRELATION_OPTIONS) options: ResolvedCorrelationOptions,
    private readonly reporter?: HttpRequestReporter,
  ) {
    this.responseHeader = options.responseHeader;
  }

  /**
   * Mounts the middleware on the platform, ahead of the routes (call it before they are registered).
   * `appSetsUpCls`: whether the app called `ClsModule.forRoot` itself; only then can a `ClsMiddleware`,
   * `ClsGuard` or `ClsInterceptor` look for the request's store, so only then is it filed for them.
   */
  mount(adapter: AbstractHttpAdapter, appSetsUpCls: boolean): void {
    // Filing costs a WeakMap entry per request, which the garbage collector pays for again at every scavenge:
    // skip it when nothing can read it.
    this.fileStores = appSetsUpCls;
    const fastify = adapter.getType() === 'fastify';
    this.reporter?.mounted(fastify, appSetsUpCls);
    if (fastify) {
      adapter.getInstance<FastifyLike>().addHook('onRequest', (request, reply, done) => {
        const store = this.storeFor(request.raw, request);
        // Through the reply, not the raw response: a header set on the raw response makes Node merge every
        // header Fastify writes one by one.
        if (this.responseHeader !== false) reply.header(this.responseHeader, store[CORRELATION_ID_KEY]!);
        this.reporter?.watch(request, reply.raw, store);
        this.continueIn(store, done);
      });
    } else {
      adapter.use((req: IncomingMessage, res: ServerResponse, next: () => void) => this.use(req, res, next));
    }
  }

  /** Sets the request up and calls `next` inside its context (the Express form). */
  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const store = this.storeFor(req);
    if (this.responseHeader !== false) res.setHeader(this.responseHeader, store[CORRELATION_ID_KEY]!);
    this.reporter?.watch(req, res, store);
    this.continueIn(store, next);
  }

  /**
   * The request's store with its correlation id: the app's own when nestjs-cls opened one for it, else a new one
   * holding the request as nestjs-cls' `CLS_REQ` (the platform's request object: Fastify's, not the raw one), as
   * its middleware does, for listeners that share the emitting request's context (`inheritRequestContextId`).
   */
  private storeFor(req: IncomingMessage, platformRequest: object = req): EventContextStore {
    const active = this.cls.get() as EventContextStore | undefined;
    // An active store counts as this request's only when nestjs-cls filed it under this request: a store left
    // active by something else (an enterWith() elsewhere) must never be shared.
    if (active !== undefined && ContextClsStoreMap.getByRaw(req) === active) {
      active[CORRELATION_ID_KEY] ??= this.source.fromRequest(req);
      return active;
    }
    const store: EventContextStore = {
      [CORRELATION_ID_KEY]: this.source.fromRequest(req),
      [CLS_REQ]: platformRequest,
    };
    if (this.fileStores) ContextClsStoreMap.setByRaw(req, store);
    return store;
  }

  private continueIn(store: EventContextStore, next: () => void): void {
    if (store === this.cls.get()) next();
    else this.cls.runWith(store as never, next);
  }
}
