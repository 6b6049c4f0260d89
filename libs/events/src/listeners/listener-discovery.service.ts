import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { EventBusService } from '../bus/event-bus.service';
import type { EventHandler, EventPattern, ListenerOptions } from '../bus/bus.interfaces';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { SystemStartup } from '../bus/system-events';
import { isEventDefinition } from '../event/event-definition';
import { isWildcardPattern } from '../event/event-type';
import { DISCOVERY_OPTIONS, type DiscoveryOptions } from './discovery.options';
import { ON_EVENT_METADATA, type OnEventMetadata } from './on-event.decorator';
import { RequestScopedHandlers } from './request-scoped.handler';

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
  private readonly scoped: RequestScopedHandlers;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    private readonly bus: EventBusService,
    @Inject(BUS_OPTIONS) private readonly busOptions: BusOptions,
    @Inject(DISCOVERY_OPTIONS) private readonly options: DiscoveryOptions,
  ) {
    this.scoped = new RequestScopedHandlers(moduleRef);
  }

  async onApplicationBootstrap(): Promise<void> {
    const found: DiscoveredListener[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      // A `useExisting` alias stands for a provider that is discovered itself: subscribing both delivers twice.
      if (wrapper.isAlias) continue;
      found.push(...(await this.subscribeWrapper(wrapper)));
    }
    if (this.options.verbose) this.report(found);
    this.bus.markReady();
    // Handlers are known now, so the transport can tell which types this service takes. A transport that
    // cannot reach its server fails the bootstrap here, with its own error.
    await this.bus.connect();
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
    const durable = requestScoped && wrapper.isDependencyTreeDurable();
    for (const { methodName, metadata } of methods) {
      for (const { patterns, options } of metadata) {
        const name = options.name ?? `${className}.${methodName}`;
        const { inheritRequestContextId, ...listenerOptions } = options;
        const inherit = checkInherit(inheritRequestContextId, name);
        const handler = requestScoped
          ? this.scoped.handlerFor({
              token: wrapper.token,
              durable,
              methodName,
              inheritRequestContextId: inherit,
            })
          : bindMethod(instance, methodName);
        for (const pattern of patterns) {
          this.subscribe(pattern, handler, listenerOptions, name);
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
    options: ListenerOptions,
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

  /** With `verbose`: listeners on undeclared types (often typos) as a warning, and the whole list at debug level. */
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

function bindMethod(instance: unknown, methodName: string): EventHandler {
  return (instance as Record<string, EventHandler>)[methodName].bind(instance) as EventHandler;
}

function checkInherit(value: unknown, name: string): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true;
  throw new TypeError(`@OnEvent() on ${name}: inheritRequestContextId must be true or false.`);
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
