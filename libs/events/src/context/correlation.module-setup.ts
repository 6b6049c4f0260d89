import { Inject, Module, Optional, type NestModule } from '@nestjs/common';
import { APP_GUARD, HttpAdapterHost } from '@nestjs/core';
import { ClsModule, ClsService } from 'nestjs-cls';
import { EventBusService } from '../bus/event-bus.service';
import { CORRELATION_OPTIONS, CorrelationIdSource } from './correlation-id.source';
import { CorrelationGuard } from './correlation.guard';
import { CorrelationMiddleware } from './correlation.middleware';
import type { ResolvedCorrelationOptions } from './correlation.options';

/**
 * Internal, imported by `EventsModule`: mounts the correlation middleware on the HTTP platform and the correlation
 * guard globally, unless the module option `correlation` is `false` (then nothing is on the request path at all).
 * Reads the resolved options from the bus, so it works the same with `forRoot()` and `forRootAsync()`.
 */
@Module({
  imports: [ClsModule],
  providers: [
    {
      provide: CORRELATION_OPTIONS,
      inject: [EventBusService],
      useFactory: (bus: EventBusService) => bus.settings.correlation,
    },
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
export class CorrelationSetupModule implements NestModule {
  constructor(
    @Optional() @Inject(CorrelationMiddleware) private readonly middleware?: CorrelationMiddleware,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Nest calls this while it sets up middleware, before any route is registered: the right moment to mount. */
  configure(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (this.middleware && adapter) this.middleware.mount(adapter);
  }
}
