import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventBusService } from '../bus/event-bus.service';
import { loadOptionalPeer } from '../common/optional-peer';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';
import {
  BRIDGES_OPTIONS,
  type ResolvedBridges,
  type ResolvedCqrsBridge,
  type ResolvedEventEmitterBridge,
} from './bridges.options';
import {
  CqrsBridge,
  type BridgedCommandBus,
  type ObservableLike,
  type UnhandledExceptionInfo,
} from './cqrs.bridge';
import { EventEmitterBridge, type BridgedEmitter } from './event-emitter.bridge';
import { findProvider } from './find-provider';
import { WarnOnce } from './warn-once';

/** What the bridges need from `@nestjs/event-emitter` (its provider token). */
interface EventEmitterPackage {
  EventEmitter2: abstract new (...args: never[]) => unknown;
}

/** What the bridges need from `@nestjs/cqrs` (provider tokens). */
interface CqrsPackage {
  EventBus: abstract new (...args: never[]) => unknown;
  CommandBus: abstract new (...args: never[]) => unknown;
  UnhandledExceptionBus: abstract new (...args: never[]) => unknown;
}

/**
 * Installs the bridges the `bridges` option switches on, once every provider exists (so events other modules
 * emit during `onApplicationBootstrap` are already recorded), and removes them at shutdown. Loads
 * `@nestjs/event-emitter` / `@nestjs/cqrs` only for a bridge that is on.
 */
@Injectable()
export class BridgeInstaller implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventBus');
  private readonly installed: { uninstall(): void }[] = [];

  constructor(
    private readonly bus: EventBusService,
    private readonly moduleRef: ModuleRef,
    @Inject(BRIDGES_OPTIONS) private readonly options: ResolvedBridges,
  ) {}

  onModuleInit(): void {
    const { eventEmitter, cqrs } = this.options;
    if (eventEmitter) this.installEventEmitter(eventEmitter);
    if (cqrs) this.installCqrs(cqrs);
  }

  onApplicationShutdown(): void {
    for (const bridge of this.installed.splice(0).reverse()) bridge.uninstall();
  }

  private installEventEmitter(options: ResolvedEventEmitterBridge): void {
    const option = 'bridges.eventEmitter';
    const moduleName = 'EventEmitterModule.forRoot()';
    const { EventEmitter2 } = loadOptionalPeer<EventEmitterPackage>(
      '@nestjs/event-emitter',
      (cause) => new MissingPeerDependencyError('@nestjs/event-emitter', option, cause),
    );
    const emitter = findProvider(
      (token) => this.get(token),
      EventEmitter2,
      option,
      moduleName,
    ) as BridgedEmitter;
    const bridge = new EventEmitterBridge(this.bus, emitter, options, new WarnOnce(this.logger));
    bridge.install();
    this.installed.push(bridge);
  }

  private installCqrs(options: ResolvedCqrsBridge): void {
    const option = 'bridges.cqrs';
    const moduleName = 'CqrsModule.forRoot()';
    const cqrs = loadOptionalPeer<CqrsPackage>(
      '@nestjs/cqrs',
      (cause) => new MissingPeerDependencyError('@nestjs/cqrs', option, cause),
    );
    const eventBus = findProvider((token) => this.get(token), cqrs.EventBus, option, moduleName);
    const bridge = new CqrsBridge(
      this.bus,
      {
        eventBus: eventBus as ObservableLike<unknown>,
        unhandledExceptions: this.tryGet(
          cqrs.UnhandledExceptionBus,
        ) as ObservableLike<UnhandledExceptionInfo>,
        commandBus: this.tryGet(cqrs.CommandBus) as BridgedCommandBus | undefined,
      },
      options,
      new WarnOnce(this.logger),
    );
    bridge.install();
    this.installed.push(bridge);
  }

  private get(token: unknown): unknown {
    return this.moduleRef.get(token as string, { strict: false });
  }

  private tryGet(token: unknown): unknown {
    try {
      return this.get(token);
    } catch {
      return undefined;
    }
  }
}
