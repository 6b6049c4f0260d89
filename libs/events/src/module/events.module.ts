import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { createAsyncApiController } from '../asyncapi/asyncapi.controller';
import {
  ASYNCAPI_CONTROLLER_REGISTERED,
  resolveAsyncApiOptions,
  type AsyncApiOptions,
} from '../asyncapi/asyncapi.options';
import { EventCatalog } from '../asyncapi/event-catalog';
import { createAuditController } from '../audit/audit.controller';
import { AUDIT_STORE } from '../audit/audit.interfaces';
import {
  AUDIT_OPTIONS,
  checkController,
  resolveAuditOptions,
  type AuditControllerOptions,
} from '../audit/audit.options';
import {
  AUDIT_CONTROLLER_REGISTERED,
  AuditService,
  createAuditStore,
  type AuditControllerSource,
} from '../audit/audit.service';
import { BridgeInstaller } from '../bridges/bridge-installer.service';
import { EventBusService } from '../bus/event-bus.service';
import { CorrelationModule } from '../correlation/correlation.module';
import { EventContext } from '../context/event-context';
import { EventLog } from '../event-log/event-log';
import { EventsHealthIndicator } from '../health/events-health.indicator';
import { ListenerDiscovery } from '../listeners/listener-discovery.service';
import { AUDIT_TELEMETRY } from '../audit/audit.telemetry';
import { AuditWriteTracker } from '../audit/audit-write.tracker';
import { EventMetrics } from '../metrics/event-metrics';
import { createTraceControllers } from '../trace/trace.controller';
import {
  checkTraceController,
  resolveTraceOptions,
  type ResolvedTraceController,
  type TraceControllerOptions,
} from '../trace/trace.options';
import {
  TRACE_CONTROLLER_REGISTERED,
  TraceService,
  type TraceControllerSource,
} from '../trace/trace.service';
import { MetricsEndpoint } from '../metrics/metrics.endpoint';
import { EventsLifecycle } from './events-lifecycle.service';
import { StartupSummary } from './startup-summary';
import {
  ConfigurableModuleClass,
  type ASYNC_OPTIONS_TYPE,
  type OPTIONS_TYPE,
} from './events.module-definition';
import { EVENTS_HOLD_UNTIL_READY } from './events.tokens';
import { EVENTS_OPTIONS_PROVIDERS, FEATURE_OPTION_TOKENS } from './events-options.providers';
import { OUTBOX_PROVIDERS } from './outbox.providers';
import { OUTBOX_STORE } from '../bus/ports/outbox-store.port';

/**
 * The event bus for the whole application (a global module).
 *
 * @example
 * \@Module({ imports: [EventsModule.forRoot({ source: 'orders-api' })] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule, ClsModule, CorrelationModule],
  providers: [
    { provide: EVENTS_HOLD_UNTIL_READY, useValue: true },
    ...EVENTS_OPTIONS_PROVIDERS,
    ...OUTBOX_PROVIDERS,
    EventBusService,
    EventContext,
    ListenerDiscovery,
    StartupSummary,
    EventsLifecycle,
    BridgeInstaller,
    EventMetrics,
    AuditWriteTracker,
    { provide: AUDIT_TELEMETRY, useExisting: EventMetrics },
    MetricsEndpoint,
    EventLog,
    EventsHealthIndicator,
    { provide: AUDIT_STORE, useFactory: createAuditStore, inject: [AUDIT_OPTIONS] },
    AuditService,
    TraceService,
    EventCatalog,
  ],
  exports: [
    EventBusService,
    EventContext,
    EventMetrics,
    EventsHealthIndicator,
    AuditService,
    AUDIT_STORE,
    OUTBOX_STORE,
    TraceService,
    EventCatalog,
    ...FEATURE_OPTION_TOKENS,
  ],
})
export class EventsModule extends ConfigurableModuleClass {
  /** Registers the bus with these options (all optional). Use `forRootAsync()` to build them from config. */
  static forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    const module = super.forRoot(options);
    // The audit REST controller must be declared now: routes cannot be added once the module is built.
    const audit = resolveAuditOptions(options.audit);
    if (audit && audit.controller) addAuditController(module, audit.controller, 'audit.controller');
    const trace = resolveTraceOptions(options.trace);
    if (trace.controller) addTraceControllers(module, trace.controller, 'trace.controller');
    addAsyncApiController(module, options.asyncapi, 'asyncapi');
    return module;
  }

  /**
   * Registers the bus with options built at startup (`useFactory`, `useClass` or `useExisting`). The audit REST
   * controller is the one thing that cannot come from the factory (routes are declared before it runs): give it
   * here as `auditController`, and turn the audit trail on in the factory's options.
   */
  static forRootAsync(options: EventsModuleAsyncOptions): DynamicModule {
    const { auditController, traceController, asyncapi, ...asyncOptions } = options;
    const controller = checkController(auditController, 'auditController');
    const traces = checkTraceController(traceController, 'traceController');
    const module = super.forRootAsync(asyncOptions);
    if (controller) addAuditController(module, controller, 'auditController');
    if (traces) addTraceControllers(module, traces, 'traceController');
    addAsyncApiController(module, asyncapi, 'asyncapi');
    return module;
  }
}

/** `forRootAsync()`'s options: Nest's async module options, plus the audit REST controller. */
export type EventsModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE & {
  /** The audit REST controller (`GET /audit`, `GET /audit/verify`), behind `guard`; off when absent. */
  auditController?: AuditControllerOptions;
  /** The trace controller (the story as JSON, and its timeline page), behind `guard`; off when absent. */
  traceController?: TraceControllerOptions;
  /** Serve the AsyncAPI document (`GET /events/asyncapi.json`); give it here, not from the factory. */
  asyncapi?: AsyncApiOptions;
};

function addAuditController(
  module: DynamicModule,
  controller: Exclude<ReturnType<typeof checkController>, false>,
  source: AuditControllerSource,
): void {
  module.controllers = [
    ...(module.controllers ?? []),
    createAuditController(controller.path, controller.guard),
  ];
  module.providers = [
    ...(module.providers ?? []),
    { provide: AUDIT_CONTROLLER_REGISTERED, useValue: source },
  ];
}

function addTraceControllers(
  module: DynamicModule,
  controller: ResolvedTraceController,
  source: TraceControllerSource,
): void {
  module.controllers = [...(module.controllers ?? []), ...createTraceControllers(controller)];
  module.providers = [
    ...(module.providers ?? []),
    { provide: TRACE_CONTROLLER_REGISTERED, useValue: source },
  ];
}

function addAsyncApiController(module: DynamicModule, value: unknown, option: string): void {
  const asyncapi = resolveAsyncApiOptions(value, option);
  if (!asyncapi) return;
  module.controllers = [...(module.controllers ?? []), createAsyncApiController(asyncapi)];
  module.providers = [
    ...(module.providers ?? []),
    { provide: ASYNCAPI_CONTROLLER_REGISTERED, useValue: true },
  ];
}
