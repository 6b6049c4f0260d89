import { Inject, Module, Optional, type NestModule } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { ClsModule, ClsService } from 'nestjs-cls';
import { EventBusService } from '../bus/event-bus.service';
import { CorrelationIdSource } from './correlation-id.source';
import { CorrelationGuard } from './correlation.guard';
import { CorrelationMiddleware } from './correlation.middleware';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';

/**
 * The token nestjs-cls (6.x) registers its module options under in `ClsModule.forRoot`. Not exported by nestjs-cls;
 * the e2e tests with an app-level `ClsModule.forRoot` (middleware, guard, interceptor) fail if it ever changes.
 */
const CLS_MODULE_OPTIONS_TOKEN = 'ClsModuleOptions';

/**
 * Internal, imported by `EventsModule`: mounts the correlation middleware on the HTTP platform and the correlation
 * guard globally, unless the module option `correlation` is `false` (then nothing is on the request path at all).
 * Injects the resolved options `EventsModule` provides, so it works the same with `forRoot()` and `forRootAsync()`.
 */
@Module({
  imports: [ClsModule],
  providers: [
    {
      provide: CorrelationIdSource,
      inject: [CORRELATION_OPTIONS],
      useFactory: (options: ResolvedCorrelationOptions | false) =>
        options === false ? undefined : new CorrelationIdSource(options),
    },
    {
      provide: CorrelationMiddleware,
      inject: [CORRELATION_OPTIONS, ClsService, CorrelationIdSource],
      useFactory: (
        options: ResolvedCorrelationOptions | false,
        cls: ClsService,
        source: CorrelationIdSource,
      ) => (options === false ? undefined : new CorrelationMiddleware(cls, source, options)),
    },
    {
      provide: APP_GUARD,
      inject: [CORRELATION_OPTIONS, EventBusService, ClsService, CorrelationIdSource],
      // A factory that returns nothing registers no guard.
      useFactory: (
        options: ResolvedCorrelationOptions | false,
        bus: EventBusService,
        cls: ClsService,
        source: CorrelationIdSource,
      ) => (options === false ? undefined : new CorrelationGuard(bus, cls, source, options)),
    },
  ],
})
export class CorrelationModule implements NestModule {
  constructor(
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CorrelationMiddleware) private readonly middleware?: CorrelationMiddleware,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Nest calls this while it sets up middleware, before any route is registered: the right moment to mount. */
  configure(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (this.middleware && adapter) this.middleware.mount(adapter, this.appSetsUpCls());
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
