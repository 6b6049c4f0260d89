import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { EventBusService } from '../bus/event-bus.service';
import { EventContext } from '../context/event-context';
import { ListenerDiscovery } from '../listeners/listener-discovery.service';
import { EventsLifecycle } from './events-lifecycle.service';
import { ConfigurableModuleClass, type OPTIONS_TYPE } from './events.module-definition';
import { EVENTS_HOLD_UNTIL_READY } from './events.tokens';

/**
 * The event bus for the whole application (a global module).
 *
 * @example
 * \@Module({ imports: [EventsModule.forRoot({ source: 'orders-api' })] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule, ClsModule],
  providers: [
    { provide: EVENTS_HOLD_UNTIL_READY, useValue: true },
    EventBusService,
    EventContext,
    ListenerDiscovery,
    EventsLifecycle,
  ],
  exports: [EventBusService, EventContext],
})
export class EventsModule extends ConfigurableModuleClass {
  /** Registers the bus with these options (all optional). Use `forRootAsync()` to build them from config. */
  static forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
