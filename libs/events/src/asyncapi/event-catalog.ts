import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { EventBusService } from '../bus/event-bus.service';
import { compilePattern } from '../bus/pattern-matcher';
import type { AsyncApiDocument } from './asyncapi.document';
import { buildAsyncApi } from './asyncapi.builder';
import { EventsConfigError } from '../errors/events-config.error';
import {
  ASYNCAPI_CONTROLLER_REGISTERED,
  ASYNCAPI_OPTIONS,
  type AsyncApiOptions,
  type ResolvedAsyncApiOptions,
} from './asyncapi.options';

/**
 * The service's events as documents: `asyncApi()` gives an AsyncAPI 3 document of the declared definitions (each
 * payload's JSON Schema), the discovered listeners (receive operations) and the transport's channels. Read it
 * after startup, once listeners are discovered.
 */
@Injectable()
export class EventCatalog implements OnModuleInit {
  private readonly logger = new Logger('EventCatalog');
  /** Warnings already logged by this catalog: each is told once. */
  private readonly told = new Set<string>();
  private readonly distributed: readonly ((type: string) => boolean)[];

  constructor(
    private readonly bus: EventBusService,
    @Inject(BUS_OPTIONS) private readonly busOptions: BusOptions,
    @Inject(ASYNCAPI_OPTIONS) private readonly options: false | ResolvedAsyncApiOptions,
    @Optional() @Inject(ASYNCAPI_CONTROLLER_REGISTERED) private readonly routed?: boolean,
  ) {
    this.distributed = busOptions.distributed.map(compilePattern);
  }

  /** `asyncapi` from a `forRootAsync()` factory would go unserved (routes are declared before it runs). */
  onModuleInit(): void {
    if (this.options && this.routed !== true) {
      throw new EventsConfigError(
        'asyncapi',
        'to be given to EventsModule.forRoot(), or to forRootAsync({ asyncapi }) itself rather than from its factory',
        this.options,
      );
    }
  }

  /**
   * The AsyncAPI 3.1 document of this service; logs, once each, what it could not document exactly. `info`
   * defaults to the `asyncapi.info` option's.
   */
  asyncApi(info: AsyncApiOptions['info'] = this.options ? this.options.info : {}): AsyncApiDocument {
    const source = this.busOptions.source;
    const { document, warnings } = buildAsyncApi({
      info: {
        title: info.title ?? `${source} events`,
        version: info.version ?? '1.0.0',
        ...(info.description === undefined ? {} : { description: info.description }),
      },
      source,
      definitions: this.bus.definitions(),
      listeners: this.bus.listeners(),
      transport: this.bus.transportDescription(),
      isDistributed: (d) => d.distributed || this.distributed.some((matches) => matches(d.type)),
    });
    for (const warning of warnings) {
      if (this.told.has(warning)) continue;
      this.told.add(warning);
      this.logger.warn(`AsyncAPI: ${warning}.`);
    }
    return document;
  }
}
