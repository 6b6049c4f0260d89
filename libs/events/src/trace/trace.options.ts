import type { CanActivate, Type } from '@nestjs/common';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { TraceStore } from './trace-store.port';

/** Options of the story (`EventsModule.forRoot({ trace })`); `trace: {}` records into this process's memory. */
export interface TraceOptions {
  /**
   * Where every process records its events, handler attempts and dead letters; default a `MemoryTraceStore`
   * (this process only). Processes that share a `RedisTraceStore` read each other's part of a story.
   */
  store?: TraceStore;
  /** How often recorded entries are written to the store, ms; default 50. */
  flushMs?: number;
  /** Serve the story as JSON and as a timeline page (off by default). A guard is required. */
  controller?: TraceControllerOptions;
}

/** The trace controller's options. */
export interface TraceControllerOptions {
  /** Route prefix; default `events/trace`: `GET /events/trace/:correlationId` and `.../:correlationId/page`. */
  path?: string;
  /** Who may read a story: a guard class (resolved by Nest) or instance. Required. */
  guard: Type<CanActivate> | CanActivate;
  /**
   * The timeline page: a static page that holds no data and reads the JSON route from the browser, so it is not
   * behind `guard`. `decorators` go on its controller (your `@Public()`, say, for your global guards); `false`
   * leaves the page out. Default: served.
   */
  page?: false | { decorators?: ClassDecorator[] };
}

/** The trace options with defaults applied. */
export interface ResolvedTraceOptions {
  /** Whether this process records its part of stories (false when `trace` is not given). */
  recording: boolean;
  store: TraceStore | undefined;
  flushMs: number;
  controller: false | ResolvedTraceController;
}

/** The controller's options, checked. */
export interface ResolvedTraceController {
  path: string;
  guard: Type<CanActivate> | CanActivate;
  page: false | { decorators: readonly ClassDecorator[] };
}

/** Injection token of the resolved trace options. */
export const TRACE_OPTIONS = Symbol('nestjs-event-bus:trace-options');

const TRACE_KEYS = ['store', 'flushMs', 'controller'];
const STORE_METHODS = ['append', 'read'] as const;

/** Checks `trace` and applies its defaults; a wrong value throws `EventsConfigError` naming the option. */
export function resolveTraceOptions(trace: unknown): ResolvedTraceOptions {
  if (trace === undefined || trace === false) {
    return { recording: false, store: undefined, flushMs: 50, controller: false };
  }
  if (!isRecord(trace)) throw new EventsConfigError('trace', 'false or an object of trace options', trace);
  rejectUnknownKeys('trace', trace, TRACE_KEYS);
  const options = trace as TraceOptions;
  return {
    recording: true,
    store: checkStore(options.store),
    flushMs: checkNumber('trace.flushMs', options.flushMs, 50, { min: 1, max: 60_000, integer: true }),
    controller: checkTraceController(options.controller),
  };
}

function checkStore(store: unknown): TraceStore | undefined {
  if (store === undefined) return undefined;
  const candidate = store as Record<string, unknown> | null;
  if (!isRecord(candidate) || !STORE_METHODS.every((m) => typeof candidate[m] === 'function')) {
    throw new EventsConfigError(
      'trace.store',
      'a TraceStore (MemoryTraceStore, RedisTraceStore or an object with append and read)',
      store,
    );
  }
  return store as TraceStore;
}

/**
 * The controller's options checked, with the default path; false when absent. `option` names them in errors
 * (`trace.controller` for `forRoot()`, `traceController` for `forRootAsync()`).
 */
export function checkTraceController(
  controller: unknown,
  option = 'trace.controller',
): false | ResolvedTraceController {
  if (controller === undefined || controller === false) return false;
  if (!isRecord(controller)) throw new EventsConfigError(option, '{ guard, path?, page? }', controller);
  rejectUnknownKeys(option, controller, ['guard', 'path', 'page']);
  const { guard, path, page } = controller as Partial<TraceControllerOptions>;
  const isGuard =
    typeof guard === 'function' ||
    (isRecord(guard) && typeof (guard as unknown as CanActivate).canActivate === 'function');
  if (!isGuard) {
    throw new EventsConfigError(
      `${option}.guard`,
      'a guard (a CanActivate class or instance): stories are not served without one',
      guard,
    );
  }
  if (path !== undefined && (typeof path !== 'string' || !/^\/?[A-Za-z0-9_\-/]+$/.test(path))) {
    throw new EventsConfigError(`${option}.path`, 'a route path such as "events/trace"', path);
  }
  return {
    path: (path ?? 'events/trace').replace(/^\/+|\/+$/g, ''),
    guard: guard as Type<CanActivate> | CanActivate,
    page: checkPage(page, `${option}.page`),
  };
}

function checkPage(page: unknown, option: string): ResolvedTraceController['page'] {
  if (page === false) return false;
  if (page === undefined) return { decorators: [] };
  const decorators = isRecord(page) ? (page as { decorators?: unknown }).decorators : undefined;
  if (
    !isRecord(page) ||
    (decorators !== undefined &&
      (!Array.isArray(decorators) || !decorators.every((d) => typeof d === 'function')))
  ) {
    throw new EventsConfigError(option, 'false or { decorators?: ClassDecorator[] }', page);
  }
  return { decorators: [...((decorators as ClassDecorator[] | undefined) ?? [])] };
}
