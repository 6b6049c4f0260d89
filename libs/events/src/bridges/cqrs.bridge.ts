import { performance } from 'node:perf_hooks';
import type { EventBusService } from '../bus/event-bus.service';
import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import { isValidEventType } from '../event/event-type';
import type { ResolvedCqrsBridge } from './bridges.options';
import {
  COMMAND_DEFINITIONS,
  CommandExecutionCompleted,
  CommandExecutionFailed,
  CommandExecutionStarted,
} from './command-events';
import { toPlainData } from '../event/json/plain-data';
import { cqrsEventToType } from './type-names';
import type { WarnOnce } from './warn-once';

/** `metadata.bridge` of events the CQRS bridge put on the bus. */
const CQRS_BRIDGE = 'cqrs';

interface Unsubscribable {
  unsubscribe(): void;
}

/** An RxJS observable, as the CQRS `EventBus` and `UnhandledExceptionBus` are (structural: cqrs stays optional). */
export interface ObservableLike<T> {
  subscribe(observer: { next: (value: T) => void }): Unsubscribable;
}

/** What CQRS publishes on its `UnhandledExceptionBus`. */
export interface UnhandledExceptionInfo {
  cause: unknown;
  exception: unknown;
}

/** The part of the CQRS `CommandBus` the bridge wraps. */
export interface BridgedCommandBus {
  execute(command: object, ...rest: unknown[]): Promise<unknown>;
}

/** The CQRS parts the bridge hooks into, found in the app at startup. */
interface CqrsParts {
  eventBus: ObservableLike<unknown>;
  unhandledExceptions: ObservableLike<UnhandledExceptionInfo> | undefined;
  commandBus: BridgedCommandBus | undefined;
}

type ExecuteFn = (command: object, ...rest: unknown[]) => Promise<unknown>;

/**
 * Records every event published on the CQRS `EventBus` on the bus (subscribing to the bus as a saga would, so
 * `@EventsHandler` handlers are untouched); turns handler errors CQRS reports on its `UnhandledExceptionBus`
 * into dead letters; optionally announces every `CommandBus.execute()` with `command.execution.*` events.
 */
export class CqrsBridge {
  /** The bus event recorded for each published CQRS event, to attach handler failures to it. */
  private readonly recorded = new WeakMap<object, BusEvent>();
  private readonly types = new WeakMap<object, string | null>();
  private readonly subscriptions: Unsubscribable[] = [];
  /** The `UnhandledExceptionBus` when handler failures become dead letters (`deadLetters` on), else undefined. */
  private readonly failureBus: ObservableLike<UnhandledExceptionInfo> | undefined;
  private originalExecute: ExecuteFn | undefined;
  private wrappedExecute: ExecuteFn | undefined;
  private hadOwnExecute = false;
  private active = false;

  constructor(
    private readonly bus: EventBusService,
    private readonly parts: CqrsParts,
    private readonly options: ResolvedCqrsBridge,
    private readonly warnings: WarnOnce,
  ) {
    this.failureBus = options.deadLetters ? parts.unhandledExceptions : undefined;
  }

  install(): void {
    if (this.active) return;
    this.active = true;
    this.subscriptions.push(this.parts.eventBus.subscribe({ next: (event) => this.record(event) }));
    if (this.failureBus) {
      this.subscriptions.push(this.failureBus.subscribe({ next: (info) => this.onUnhandled(info) }));
    }
    if (this.options.commands && this.parts.commandBus) this.wrapCommandBus(this.parts.commandBus);
  }

  uninstall(): void {
    if (!this.active) return;
    this.active = false;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    const commandBus = this.parts.commandBus;
    if (commandBus && this.wrappedExecute && commandBus.execute === this.wrappedExecute) {
      // Back to the prototype's method, or to the own one that was there before.
      if (this.hadOwnExecute) commandBus.execute = this.originalExecute as ExecuteFn;
      else delete (commandBus as Partial<BridgedCommandBus>).execute;
    }
  }

  private record(event: unknown): void {
    if (typeof event !== 'object' || event === null) return;
    const type = this.typeOf(event);
    if (type === null) return;
    const className = classNameOf(event);
    const plain = toPlainData(event);
    if (!plain.ok) {
      this.warnings.warn(
        `payload:${type}`,
        `CQRS event ${className} was not recorded on the event bus as "${type}": ${plain.reason}. ` +
          `Its @EventsHandler handlers still ran. (Logged once per type.)`,
      );
      return;
    }
    try {
      const recorded = this.bus.emit(type, plain.value, {
        metadata: { bridge: CQRS_BRIDGE, eventClass: className },
      });
      // Only onUnhandled() reads it, and it is subscribed only when there is a failure bus.
      if (this.failureBus) this.recorded.set(event, recorded);
    } catch (error) {
      this.warnings.warn(
        `emit:${type}:${error instanceof Error ? error.name : ''}`,
        `CQRS event ${className} was not recorded on the event bus as "${type}": ` +
          `${errorMessage(error)} Its @EventsHandler handlers still ran.`,
      );
    }
  }

  /** The bus type for a CQRS event, or null (with a one-time warning) when it has none. */
  private typeOf(event: object): string | null {
    const custom = this.options.typeOf;
    const constructor = (event as { constructor?: object }).constructor;
    if (!custom && constructor) {
      const known = this.types.get(constructor);
      if (known !== undefined) return known;
    }
    const className = classNameOf(event);
    let type: string | undefined;
    try {
      type = custom ? custom(event) : cqrsEventToType(event);
    } catch (error) {
      this.warnings.warn(
        `typeOf:${className}`,
        `bridges.cqrs.typeOf threw for ${className}; it is not recorded on the bus: ` + errorMessage(error),
      );
      return null;
    }
    let result: string | null = type ?? null;
    if (type !== undefined && !isValidEventType(type)) {
      this.warnings.warn(
        `type:${className}:${String(type)}`,
        `CQRS event ${className} maps to "${String(type)}", which is not a valid event type (lowercase dotted ` +
          `segments, e.g. "user.registered"); it is not recorded on the bus. Set a static \`type\` on the class ` +
          `or map it with bridges.cqrs.typeOf.`,
      );
      result = null;
    }
    if (!custom && constructor) this.types.set(constructor, result);
    return result;
  }

  private onUnhandled(info: UnhandledExceptionInfo): void {
    const cause = info?.cause;
    if (typeof cause !== 'object' || cause === null) return;
    const event = this.recorded.get(cause);
    // Only event handler failures: commands from sagas are reported with the command as cause.
    if (event === undefined) return;
    try {
      this.bus.recordExternalFailure(event, `@EventsHandler(${classNameOf(cause)})`, info.exception);
    } catch (error) {
      // Thrown inside an RxJS subscriber, it would surface as an uncaught exception; a warning is enough.
      this.warnings.warn(
        `dead-letter:${event.type}`,
        `A failure of a CQRS handler of "${event.type}" could not be recorded as a dead letter: ` +
          errorMessage(error),
      );
    }
  }

  private wrapCommandBus(commandBus: BridgedCommandBus): void {
    this.bus.register(...COMMAND_DEFINITIONS);
    this.hadOwnExecute = Object.prototype.hasOwnProperty.call(commandBus, 'execute');
    const original = (this.originalExecute = commandBus.execute as ExecuteFn);
    const track = (self: unknown, command: object, rest: unknown[]) =>
      this.execute(original, self, command, rest);
    this.wrappedExecute = function bridgedExecute(this: unknown, command: object, ...rest: unknown[]) {
      return track(this, command, rest);
    };
    commandBus.execute = this.wrappedExecute;
  }

  private execute(original: ExecuteFn, self: unknown, command: object, rest: unknown[]): Promise<unknown> {
    const name = classNameOf(command);
    const executionId = this.emitSafely(() => this.bus.emit(CommandExecutionStarted, { command: name }).id);
    const started = performance.now();
    const failed = (error: unknown) => {
      const durationMs = performance.now() - started;
      this.emitSafely(() =>
        this.bus.emit(CommandExecutionFailed, {
          executionId: executionId ?? '',
          command: name,
          durationMs,
          error: this.bus.redactErrorText(errorMessage(error)),
          errorName: error instanceof Error ? error.name : typeof error,
        }),
      );
    };
    let result: Promise<unknown>;
    try {
      result = original.call(self, command, ...rest);
    } catch (error) {
      failed(error);
      throw error;
    }
    return Promise.resolve(result).then(
      (value) => {
        const durationMs = performance.now() - started;
        this.emitSafely(() =>
          this.bus.emit(CommandExecutionCompleted, {
            executionId: executionId ?? '',
            command: name,
            durationMs,
          }),
        );
        return value;
      },
      (error: unknown) => {
        failed(error);
        throw error;
      },
    );
  }

  /** Bus events about commands must never change what the command's caller sees. */
  private emitSafely<T>(emit: () => T): T | undefined {
    try {
      return emit();
    } catch (error) {
      this.warnings.warn(
        `command:${error instanceof Error ? error.name : ''}`,
        `A command.execution.* event could not be emitted: ${errorMessage(error)}`,
      );
      return undefined;
    }
  }
}

function classNameOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}
