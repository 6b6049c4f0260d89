import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { EventBusService } from '../bus/event-bus.service';
import type { EventHandler } from '../bus/bus.interfaces';
import { SystemStartup } from '../bus/system-events';
import type { BusEvent } from '../event/bus-event.interface';
import { isEventDefinition } from '../event/event-definition';
import { isWildcardPattern } from '../event/event-type';
import { ON_EVENT_METADATA, type OnEventMetadata } from './on-event.decorator';

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** A listener found on a provider or controller, as logged at startup. */
interface DiscoveredListener {
  pattern: string;
  priority: number;
  name: string;
}

/**
 * Finds `@OnEvent()` methods on every provider and controller at bootstrap, subscribes them, then releases the
 * events held since startup and emits `system.startup`.
 */
@Injectable()
export class ListenerDiscovery implements OnApplicationBootstrap {
  private readonly logger = new Logger('EventBus');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    private readonly bus: EventBusService,
  ) {}

  onApplicationBootstrap(): void {
    const found: DiscoveredListener[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      found.push(...this.subscribeWrapper(wrapper));
    }
    this.report(found);
    this.bus.markReady();
    this.bus.emit(SystemStartup, { source: this.bus.settings.source, listeners: this.bus.listenerCount() });
  }

  private subscribeWrapper(wrapper: InstanceWrapper): DiscoveredListener[] {
    const { instance, metatype } = wrapper;
    const requestScoped = !wrapper.isDependencyTreeStatic();
    const prototype: object | undefined = requestScoped
      ? (metatype as { prototype?: object } | undefined)?.prototype
      : instance && typeof instance === 'object'
        ? Object.getPrototypeOf(instance)
        : undefined;
    if (!prototype || (!requestScoped && !instance)) return [];
    const found: DiscoveredListener[] = [];
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName];
      const metadata: OnEventMetadata[] | undefined =
        typeof method === 'function' ? Reflect.getMetadata(ON_EVENT_METADATA, method) : undefined;
      if (!metadata) continue;
      const className = (metatype as { name?: string } | undefined)?.name ?? 'Anonymous';
      const handler = requestScoped
        ? this.requestScopedHandler(wrapper, methodName)
        : ((instance as Record<string, EventHandler>)[methodName].bind(instance) as EventHandler);
      for (const { patterns, options } of metadata) {
        const name = options.name ?? `${className}.${methodName}`;
        for (const pattern of patterns) {
          this.bus.on(pattern as string, handler, { ...options, name });
          const key = isEventDefinition(pattern) ? pattern.type : pattern;
          found.push({ pattern: key, priority: options.priority ?? 0, name });
        }
      }
    }
    return found;
  }

  /** Request-scoped (or request-dependent) providers get a fresh instance for every event. */
  private requestScopedHandler(wrapper: InstanceWrapper, methodName: string): EventHandler {
    return async (event: BusEvent) => {
      const contextId = ContextIdFactory.create();
      this.moduleRef.registerRequestByContextId({ event }, contextId);
      const instance = await this.moduleRef.resolve(wrapper.token, contextId, { strict: false });
      return (instance as Record<string, EventHandler>)[methodName](event);
    };
  }

  private report(found: DiscoveredListener[]): void {
    const undeclared = found.filter((l) => !isWildcardPattern(l.pattern) && !this.bus.definitionOf(l.pattern));
    if (undeclared.length > 0) {
      this.logger.warn(
        `Listeners on types no definition declares (typos show up here; declare them with defineEvent() and ` +
          `list them in EventsModule.forRoot({ definitions })): ${undeclared.map((l) => `${l.pattern} <- ${l.name}`).join(', ')}`,
      );
    }
    const lines = [...found]
      .sort((a, b) => a.pattern.localeCompare(b.pattern) || b.priority - a.priority)
      .map((l) => `${l.pattern} [${l.priority}] ${l.name}`);
    this.logger.debug(`Discovered ${found.length} listener(s)${lines.length ? `: ${lines.join('; ')}` : ''}`);
  }
}
