import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ContextIdFactory, DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { EventBusService } from '../bus/event-bus.service';
import type { EventHandler, EventPattern } from '../bus/bus.interfaces';
import { SystemStartup } from '../bus/system-events';
import type { BusEvent } from '../event/bus-event.interface';
import { isEventDefinition } from '../event/event-definition';
import { isWildcardPattern } from '../event/event-type';
import { ON_EVENT_METADATA, type OnEventMetadata, type OnEventOptions } from './on-event.decorator';

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
    @Inject(BUS_OPTIONS) private readonly busOptions: BusOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const found: DiscoveredListener[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      found.push(...(await this.subscribeWrapper(wrapper)));
    }
    this.report(found);
    this.bus.markReady();
    this.bus.emit(SystemStartup, { source: this.busOptions.source, listeners: this.bus.listenerCount() });
  }

  private async subscribeWrapper(wrapper: InstanceWrapper): Promise<DiscoveredListener[]> {
    const requestScoped = !wrapper.isDependencyTreeStatic();
    // A transient provider's static "instance" is a bare prototype object whose constructor never ran.
    const transient = !requestScoped && wrapper.isTransient;
    const prototype = prototypeOf(wrapper, requestScoped || transient);
    if (!prototype) return [];
    const methods = this.listenerMethods(prototype);
    if (methods.length === 0) return [];
    let instance: unknown = wrapper.instance;
    if (transient) instance = await this.moduleRef.resolve(wrapper.token, undefined, { strict: false });
    else if (!requestScoped && !instance) return [];
    const className = classNameOf(prototype);
    const found: DiscoveredListener[] = [];
    for (const { methodName, metadata } of methods) {
      const handler = requestScoped
        ? this.requestScopedHandler(wrapper, methodName)
        : ((instance as Record<string, EventHandler>)[methodName].bind(instance) as EventHandler);
      for (const { patterns, options } of metadata) {
        const name = options.name ?? `${className}.${methodName}`;
        for (const pattern of patterns) {
          this.subscribe(pattern, handler, options, name);
          const key = isEventDefinition(pattern) ? pattern.type : pattern;
          found.push({ pattern: key, priority: options.priority ?? 0, name });
        }
      }
    }
    return found;
  }

  /** Subscribes one pattern; a rejected pattern or option fails startup with the listener named. */
  private subscribe(
    pattern: EventPattern,
    handler: EventHandler,
    options: OnEventOptions,
    name: string,
  ): void {
    try {
      this.bus.on(pattern as string, handler, { ...options, name });
    } catch (error) {
      if (error instanceof Error) error.message = `@OnEvent() on ${name}: ${error.message}`;
      throw error;
    }
  }

  /** The methods of a class that carry `@OnEvent()` metadata, in declaration order. */
  private listenerMethods(prototype: object): { methodName: string; metadata: OnEventMetadata[] }[] {
    const methods: { methodName: string; metadata: OnEventMetadata[] }[] = [];
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName];
      const metadata: OnEventMetadata[] | undefined =
        typeof method === 'function' ? Reflect.getMetadata(ON_EVENT_METADATA, method) : undefined;
      if (metadata) methods.push({ methodName, metadata });
    }
    return methods;
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
    const undeclared = found.filter(
      (l) => !isWildcardPattern(l.pattern) && !this.bus.definitionOf(l.pattern),
    );
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

/** The listener's class name, from the instance's prototype: a factory provider's metatype is the factory. */
function classNameOf(prototype: object): string {
  const constructor = (prototype as { constructor?: { name?: unknown } }).constructor;
  return typeof constructor?.name === 'string' && constructor.name !== '' ? constructor.name : 'Anonymous';
}

/** Where to look for listener methods: the class for scoped providers, else the live instance's prototype. */
function prototypeOf(wrapper: InstanceWrapper, scoped: boolean): object | undefined {
  if (scoped) {
    const prototype = (wrapper.metatype as { prototype?: unknown } | null | undefined)?.prototype;
    return prototype !== null && typeof prototype === 'object' ? prototype : undefined;
  }
  const { instance } = wrapper;
  return instance !== null && typeof instance === 'object'
    ? (Object.getPrototypeOf(instance) as object)
    : undefined;
}
