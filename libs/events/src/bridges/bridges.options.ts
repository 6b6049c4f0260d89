import { checkBoolean, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/** The name an event was emitted under on `EventEmitter2`: a string, a symbol, or (wildcard mode) an array. */
export type EmitterEventName = string | symbol | readonly (string | symbol)[];

/** Options of `bridges.eventEmitter` (`true` = all defaults). */
export interface EventEmitterBridgeOptions {
  /**
   * Also deliver events emitted on the bus (`EventBusService.emit`) to `EventEmitter2` listeners, under the
   * event type as name, with `event.data` as the payload. Default `false`.
   */
  forwardToEventEmitter?: boolean;
  /**
   * Maps an `EventEmitter2` event name to a bus event type; return `undefined` to keep that event off the bus.
   * Default: valid types (`order.created`) stay as they are; other names are split at separators and camelCase
   * boundaries and lowercased (`orderCreated`, `order:created`, `Order Created` -> `order.created`).
   */
  typeOf?: (name: EmitterEventName) => string | undefined;
}

/** Options of `bridges.cqrs` (`true` = all defaults). */
export interface CqrsBridgeOptions {
  /**
   * Maps a published CQRS event (a class instance) to a bus event type; return `undefined` to keep it off the
   * bus. Default: the class's static `type` property when it is a string, else the class name without an
   * `Event` suffix in dotted lower case (`UserRegisteredEvent` -> `user.registered`).
   */
  typeOf?: (event: object) => string | undefined;
  /**
   * Emit `command.execution.started`, `command.execution.completed` and `command.execution.failed` around
   * every `CommandBus.execute()`. Default `false`.
   */
  commands?: boolean;
  /**
   * Record errors of `@EventsHandler` handlers (reported by CQRS on its `UnhandledExceptionBus`) as dead
   * letters and `event.handler.failed` events. Default `true`.
   */
  deadLetters?: boolean;
}

/** The `bridges` option: bring events of `@nestjs/event-emitter` and `@nestjs/cqrs` onto the bus. */
export interface BridgesOptions {
  /** Record every event emitted through the app's `EventEmitter2` on the bus. Needs `@nestjs/event-emitter`. */
  eventEmitter?: boolean | EventEmitterBridgeOptions;
  /** Record every event published on the CQRS `EventBus` on the bus. Needs `@nestjs/cqrs`. */
  cqrs?: boolean | CqrsBridgeOptions;
}

export interface ResolvedEventEmitterBridge {
  forwardToEventEmitter: boolean;
  typeOf: ((name: EmitterEventName) => string | undefined) | undefined;
}

export interface ResolvedCqrsBridge {
  typeOf: ((event: object) => string | undefined) | undefined;
  commands: boolean;
  deadLetters: boolean;
}

/** The `bridges` option with defaults applied; `false` = that bridge is off. */
export interface ResolvedBridges {
  eventEmitter: false | ResolvedEventEmitterBridge;
  cqrs: false | ResolvedCqrsBridge;
}

/** Injection token of the resolved bridge options. */
export const BRIDGES_OPTIONS = Symbol('nestjs-event-bus:bridges-options');

/** Validates the `bridges` option; a wrong value throws `EventsConfigError` naming it. */
export function resolveBridgesOptions(bridges: unknown): ResolvedBridges {
  if (bridges === undefined) return { eventEmitter: false, cqrs: false };
  if (!isRecord(bridges)) throw new EventsConfigError('bridges', '{ eventEmitter?, cqrs? }', bridges);
  rejectUnknownKeys('bridges', bridges, ['eventEmitter', 'cqrs']);
  return {
    eventEmitter: resolveEventEmitterBridge(bridges.eventEmitter),
    cqrs: resolveCqrsBridge(bridges.cqrs),
  };
}

function resolveEventEmitterBridge(value: unknown): ResolvedBridges['eventEmitter'] {
  const option = 'bridges.eventEmitter';
  if (value === undefined || value === false) return false;
  if (value === true) return { forwardToEventEmitter: false, typeOf: undefined };
  if (!isRecord(value))
    throw new EventsConfigError(option, 'true, false or { forwardToEventEmitter?, typeOf? }', value);
  rejectUnknownKeys(option, value, ['forwardToEventEmitter', 'typeOf']);
  return {
    forwardToEventEmitter: checkBoolean(
      `${option}.forwardToEventEmitter`,
      value.forwardToEventEmitter,
      false,
    ),
    typeOf: optionalFunction(`${option}.typeOf`, value.typeOf) as ResolvedEventEmitterBridge['typeOf'],
  };
}

function resolveCqrsBridge(value: unknown): ResolvedBridges['cqrs'] {
  const option = 'bridges.cqrs';
  if (value === undefined || value === false) return false;
  if (value === true) return { typeOf: undefined, commands: false, deadLetters: true };
  if (!isRecord(value))
    throw new EventsConfigError(option, 'true, false or { typeOf?, commands?, deadLetters? }', value);
  rejectUnknownKeys(option, value, ['typeOf', 'commands', 'deadLetters']);
  return {
    typeOf: optionalFunction(`${option}.typeOf`, value.typeOf) as ResolvedCqrsBridge['typeOf'],
    commands: checkBoolean(`${option}.commands`, value.commands, false),
    deadLetters: checkBoolean(`${option}.deadLetters`, value.deadLetters, true),
  };
}

function optionalFunction(option: string, value: unknown): ((...args: never[]) => unknown) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new EventsConfigError(option, 'a function', value);
  return value as (...args: never[]) => unknown;
}
