import { Inject, Module, Optional, type NestModule, type OnModuleDestroy, type Type } from '@nestjs/common';
import {
  APP_GUARD,
  DiscoveryModule,
  DiscoveryService,
  HttpAdapterHost,
  MetadataScanner,
  ModuleRef,
} from '@nestjs/core';
import { ClsModule, ClsService } from 'nestjs-cls';
import { EventBusService } from '../bus/event-bus.service';
import { CorrelationIdSource } from './correlation-id.source';
import { CorrelationMiddleware } from './correlation.middleware';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';
import { HttpRequestStartedGuard } from './http-request-started.guard';
import { HttpRequestReporter } from './http-request.reporter';
import { findMessageControllers, putGuardFirst, removeGuard } from './message-controllers';
import { RpcCorrelationGuard } from './rpc-correlation.guard';

/**
 * The token nestjs-cls (6.x) registers its module options under in `ClsModule.forRoot`. Not exported by nestjs-cls;
 * the e2e tests with an app-level `ClsModule.forRoot` (middleware, guard, interceptor) fail if it ever changes.
 */
const CLS_MODULE_OPTIONS_TOKEN = 'ClsModuleOptions';

/** The resolved `correlation` option as `EventsModule` provides it: `false` when correlation is off. */
type CorrelationSetting = ResolvedCorrelationOptions | false;

/**
 * Internal, imported by `EventsModule`: mounts the correlation middleware on the HTTP platform (which also reports
 * how each request ended) and puts the RPC correlation guard on the microservice controllers. No global guard,
 * unless `correlation.httpEvents: { started: true }` asks for `http.request.started`. With `correlation: false`,
 * nothing at all. Injects the options `EventsModule` resolved, so it works the same with `forRoot()` and
 * `forRootAsync()`.
 */
@Module({
  imports: [ClsModule, DiscoveryModule],
  providers: [
    {
      provide: CorrelationIdSource,
      inject: [CORRELATION_OPTIONS],
      useFactory: (options: CorrelationSetting) =>
        options === false ? undefined : new CorrelationIdSource(options),
    },
    {
      provide: HttpRequestReporter,
      inject: [CORRELATION_OPTIONS, EventBusService, ClsService],
      useFactory: (options: CorrelationSetting, bus: EventBusService, cls: ClsService) =>
        options !== false && options.httpEvents ? new HttpRequestReporter(bus, cls) : undefined,
    },
    {
      provide: CorrelationMiddleware,
      inject: [CORRELATION_OPTIONS, ClsService, CorrelationIdSource, HttpRequestReporter],
      useFactory: (
        options: CorrelationSetting,
        cls: ClsService,
        source: CorrelationIdSource,
        reporter: HttpRequestReporter | undefined,
      ) => (options === false ? undefined : new CorrelationMiddleware(cls, source, options, reporter)),
    },
    {
      provide: RpcCorrelationGuard,
      inject: [CORRELATION_OPTIONS, ClsService, CorrelationIdSource],
      useFactory: (options: CorrelationSetting, cls: ClsService, source: CorrelationIdSource) =>
        options === false ? undefined : new RpcCorrelationGuard(cls, source, options),
    },
    {
      provide: APP_GUARD,
      inject: [CORRELATION_OPTIONS, EventBusService],
      // A factory that returns nothing registers no guard.
      useFactory: (options: CorrelationSetting, bus: EventBusService) =>
        options !== false && options.httpStarted ? new HttpRequestStartedGuard(bus) : undefined,
    },
  ],
})
export class CorrelationModule implements NestModule, OnModuleDestroy {
  private readonly messageControllers: readonly Type[];

  constructor(
    private readonly moduleRef: ModuleRef,
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    @Optional() @Inject(CorrelationMiddleware) private readonly middleware?: CorrelationMiddleware,
    @Optional() @Inject(RpcCorrelationGuard) private readonly rpcGuard?: RpcCorrelationGuard,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // Now, while the app is built: a microservice registers its handlers, and reads their guards, before any
    // lifecycle hook runs (`listen()` on its own, `connectMicroservice()` in a hybrid app).
    this.messageControllers = rpcGuard ? findMessageControllers(discovery, scanner) : [];
    if (rpcGuard) putGuardFirst(this.messageControllers, rpcGuard);
  }

  /** Nest calls this while it sets up middleware, before any route is registered: the right moment to mount. */
  configure(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (this.middleware && adapter) this.middleware.mount(adapter, this.appSetsUpCls());
  }

  onModuleDestroy(): void {
    if (this.rpcGuard) removeGuard(this.messageControllers, this.rpcGuard);
  }

  /**
   * Whether the app called `ClsModule.forRoot`/`forRootAsync`: nestjs-cls then provides its module options, which
   * its `ClsMiddleware`, `ClsGuard` and `ClsInterceptor` need, so without them none of those can be in use.
   */
  private appSetsUpCls(): boolean {
    try {
      this.moduleRef.get(CLS_MODULE_OPTIONS_TOKEN, { strict: false });
      return true;
    } catch {
      return false;
    }
  }
}
