import type { CanActivate, Type } from '@nestjs/common';
import { isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/** Serving the AsyncAPI document (`EventsModule.forRoot({ asyncapi })`); off unless given. */
export interface AsyncApiOptions {
  /** Route of the document; default `/events/asyncapi.json`. */
  path?: string;
  /** The document's `info`; default title `<source> events`, version `1.0.0`. */
  info?: { title?: string; version?: string; description?: string };
  /** Who may read it; default anyone (it describes types and listeners, never events). */
  guard?: Type<CanActivate> | CanActivate;
}

/** The options checked, with defaults. */
export interface ResolvedAsyncApiOptions {
  path: string;
  info: { title?: string; version: string; description?: string };
  guard: Type<CanActivate> | CanActivate | undefined;
}

/** Injection token of the resolved `asyncapi` options (false when off). */
export const ASYNCAPI_OPTIONS = Symbol('nestjs-event-bus:asyncapi-options');
/** Internal token: set when the module declared the AsyncAPI route. */
export const ASYNCAPI_CONTROLLER_REGISTERED = Symbol('nestjs-event-bus:asyncapi-controller-registered');

/** Checks `asyncapi`; false when absent. `option` names it in errors. */
export function resolveAsyncApiOptions(value: unknown, option = 'asyncapi'): false | ResolvedAsyncApiOptions {
  if (value === undefined || value === false) return false;
  if (!isRecord(value)) throw new EventsConfigError(option, '{ path?, info?, guard? }', value);
  rejectUnknownKeys(option, value, ['path', 'info', 'guard']);
  const { path, info, guard } = value as AsyncApiOptions;
  if (path !== undefined && (typeof path !== 'string' || !/^\/?[A-Za-z0-9_\-/.]+$/.test(path))) {
    throw new EventsConfigError(`${option}.path`, 'a route path such as "/events/asyncapi.json"', path);
  }
  if (info !== undefined && !isInfo(info)) {
    throw new EventsConfigError(`${option}.info`, '{ title?, version?, description? } of strings', info);
  }
  const isGuard =
    guard === undefined ||
    typeof guard === 'function' ||
    (isRecord(guard) && typeof (guard as unknown as CanActivate).canActivate === 'function');
  if (!isGuard) throw new EventsConfigError(`${option}.guard`, 'a CanActivate class or instance', guard);
  return {
    path: (path ?? '/events/asyncapi.json').replace(/^\/+/, ''),
    info: { ...info, version: info?.version ?? '1.0.0' },
    guard,
  };
}

function isInfo(info: unknown): boolean {
  return (
    isRecord(info) &&
    Object.entries(info).every(
      ([key, value]) => ['title', 'version', 'description'].includes(key) && typeof value === 'string',
    )
  );
}
