import type { Logger } from '@nestjs/common';
import { EventValidationError } from '../errors/event-validation.error';
import { UnknownEventTypeError } from '../errors/unknown-event-type.error';
import { isEventDefinition, type EventDefinition } from '../event/event-definition';
import { explainEventType, explainPattern, isWildcardPattern } from '../event/event-type';
import type { PayloadCopier } from '../event/json/payload-copier';
import type { EventPattern } from './bus.interfaces';
import type { HandlerEntry, HandlerRegistry } from './handler-registry';
import { compilePattern, type TypeMatcher } from './pattern-matcher';

type AnyDefinition = EventDefinition<unknown, unknown>;

/** Everything the bus needs for one event type, cached until the set of handlers changes. */
export interface Route {
  readonly type: string;
  readonly definition: AnyDefinition | undefined;
  /** The handlers `emit()` runs, highest priority first: all of them, or the local ones of a published type. */
  readonly handlers: readonly HandlerEntry[];
  /** Whether events of this type go out through the remote transport. */
  readonly publishes: boolean;
  /** The handlers that take this type from the transport (none unless it publishes). */
  readonly inbound: readonly HandlerEntry[];
  /** Whether any handler runs in the event's child context. */
  readonly needsContext: boolean;
  readonly counter: { emitted: number };
  /**
   * Copies this type's usual payload shape, made from the first object payload and kept while the route is;
   * undefined until then, null when that payload's shape suits no copier.
   */
  copier: PayloadCopier | undefined | null;
}

const MAX_ROUTES = 10_000;
const MAX_TYPES_IN_STATS = 1000;

/**
 * Definitions and the cached route of each event type: its definition (the first declared wins), its handlers in
 * priority order, its counter. Emit cost does not grow with the number of registered patterns.
 */
export class RouteTable {
  private readonly definitions = new Map<string, AnyDefinition>();
  /** Routes of string emits, by type: validated against the type's declared definition. */
  private readonly routes = new Map<string, Route>();
  /** Routes of emits by a definition other than the one declared for its type (another version, say). */
  private readonly definitionRoutes = new Map<AnyDefinition, Route>();
  private routesVersion = 0;
  /** The target `routeFor()` resolved last and its route: emits of one type often come in runs. */
  private lastTarget: string | AnyDefinition | undefined;
  private lastRoute: Route | undefined;
  private readonly typeCounters = new Map<string, { emitted: number }>();

  private readonly distributedTypes: readonly TypeMatcher[];

  /**
   * `remote`: the bus has a transport that carries events out of the process; `distributed`: patterns of
   * string types to publish besides those whose definition says so.
   */
  constructor(
    private readonly registry: HandlerRegistry,
    private readonly strict: boolean,
    private readonly logger: Logger,
    private readonly remote = false,
    distributed: readonly string[] = [],
  ) {
    this.distributedTypes = distributed.map(compilePattern);
  }

  /** Declares definitions so `strict` mode accepts their types and string emits get validated. */
  register(definitions: readonly AnyDefinition[]): void {
    for (const definition of definitions) {
      const known = this.definitions.get(definition.type);
      if (!known) {
        this.definitions.set(definition.type, definition);
        this.routes.delete(definition.type);
        this.lastTarget = undefined;
      } else if (
        known !== definition &&
        known.version === definition.version &&
        known.schema !== definition.schema
      ) {
        this.logger.warn(
          `Two different definitions declare "${definition.type}" v${definition.version}; the first wins.`,
        );
      }
    }
  }

  definitionOf(type: string): AnyDefinition | undefined {
    return this.definitions.get(type);
  }

  /** Every declared definition, in the order they were declared. */
  allDefinitions(): AnyDefinition[] {
    return [...this.definitions.values()];
  }

  /** Emitted counts by type (types beyond the stats bound fold into `other`). */
  emittedByType(): Record<string, number> {
    const byType: Record<string, number> = {};
    for (const [type, counter] of this.typeCounters) byType[type] = counter.emitted;
    return byType;
  }

  /** The cached route for a type or definition, built on first sight (and after any (un)subscribe). */
  routeFor(target: string | AnyDefinition): Route {
    if (this.routesVersion !== this.registry.version) {
      this.routes.clear();
      this.definitionRoutes.clear();
      this.routesVersion = this.registry.version;
      this.lastTarget = undefined;
    }
    if (target === this.lastTarget) return this.lastRoute!;
    const route = this.find(target);
    this.lastTarget = target;
    this.lastRoute = route;
    return route;
  }

  private find(target: string | AnyDefinition): Route {
    if (typeof target === 'string') return this.routes.get(target) ?? this.build(target);
    const route = this.routes.get(target?.type);
    if (route !== undefined && route.definition === target) return route;
    return this.definitionRoutes.get(target) ?? this.build(target);
  }

  /** The key a listener subscribes under: checks the pattern (and, in strict mode, that its type is declared). */
  patternKey(pattern: EventPattern): string {
    if (isEventDefinition(pattern)) {
      this.register([pattern]);
      return pattern.type;
    }
    assertPattern(pattern);
    if (this.strict && !isWildcardPattern(pattern) && !this.definitions.has(pattern)) {
      throw new UnknownEventTypeError(pattern);
    }
    return pattern;
  }

  private build(target: string | AnyDefinition): Route {
    if (typeof target !== 'string') {
      if (!isEventDefinition(target)) {
        throw new TypeError('emit() takes an event type string or a definition made with defineEvent().');
      }
      this.register([target]);
    }
    const type = typeof target === 'string' ? target : target.type;
    const problem = explainEventType(type);
    if (problem) throw new EventValidationError(undefined, [{ path: 'type', message: problem }]);
    const definition = typeof target === 'string' ? this.definitions.get(type) : target;
    if (this.strict && !definition) throw new UnknownEventTypeError(type);
    const matching = this.registry.resolve(type);
    const publishes = this.remote && this.isDistributed(type, definition);
    const handlers = publishes ? matching.filter((entry) => entry.reach !== 'transport') : matching;
    const route: Route = {
      type,
      definition,
      handlers,
      publishes,
      inbound: this.remote ? matching.filter((entry) => entry.reach !== 'emit') : [],
      needsContext: matching.some((entry) => entry.ownContext),
      counter: this.typeCounter(type),
      copier: undefined,
    };
    // Only the declared definition's route serves string emits of the type, whatever was emitted before.
    if (definition !== undefined && definition !== this.definitions.get(type)) {
      remember(this.definitionRoutes, definition, route);
    } else {
      remember(this.routes, type, route);
    }
    return route;
  }

  private isDistributed(type: string, definition: AnyDefinition | undefined): boolean {
    if (definition?.distributed === true || this.definitions.get(type)?.distributed === true) return true;
    return this.distributedTypes.some((matches) => matches(type));
  }

  private typeCounter(type: string): { emitted: number } {
    let counter = this.typeCounters.get(type);
    if (!counter) {
      const key = this.typeCounters.size < MAX_TYPES_IN_STATS ? type : 'other';
      counter = this.typeCounters.get(key) ?? { emitted: 0 };
      this.typeCounters.set(key, counter);
    }
    return counter;
  }
}

/** Throws a `TypeError` saying what is wrong with a listener or history pattern. */
export function assertPattern(pattern: unknown): asserts pattern is string {
  const problem = explainPattern(pattern);
  if (problem) throw new TypeError(problem);
}

/** Caches a route, starting the cache over when it is full (unbounded types must not grow it forever). */
function remember<K>(cache: Map<K, Route>, key: K, route: Route): void {
  if (cache.size >= MAX_ROUTES) cache.clear();
  cache.set(key, route);
}
