import type { EventBusService } from '../bus/event-bus.service';
import type { EmitOptions, Subscription } from '../bus/bus.interfaces';
import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import { isValidEventType } from '../event/event-type';
import type { EmitterEventName, ResolvedEventEmitterBridge } from './bridges.options';
import { toPlainData } from '../event/json/plain-data';
import { emitterNameToType } from './type-names';
import type { WarnOnce } from './warn-once';

/** `metadata.bridge` of events the EventEmitter2 bridge put on the bus. */
const EVENT_EMITTER_BRIDGE = 'event-emitter';

/** The part of `EventEmitter2` the bridge uses (structural, so the package stays an optional peer). */
export interface BridgedEmitter {
  emit(...args: unknown[]): boolean;
  emitAsync(...args: unknown[]): Promise<unknown[]>;
  listenerCount(event?: unknown): number;
}

/** A name's bus type and the emit options that mark the event as bridged; null = not bridged. */
interface MappedName {
  type: string;
  options: EmitOptions;
}

type EmitFn = (...args: unknown[]) => unknown;

const MAX_CACHED_NAMES = 1000;
const INTERNAL_NAMES: ReadonlySet<unknown> = new Set(['newListener', 'removeListener']);

/**
 * Records every event emitted through one `EventEmitter2` instance on the bus (wrapping the instance's `emit`
 * and `emitAsync`, so native listeners are untouched), and optionally forwards bus events to it. Events it
 * records carry `metadata.bridge = 'event-emitter'`; the forwarder skips those and calls the original `emit`,
 * which the recorder never sees: nothing is delivered twice and no loop is possible.
 */
export class EventEmitterBridge {
  private readonly names = new Map<string, MappedName | null>();
  private originalEmit: EmitFn | undefined;
  private originalEmitAsync: EmitFn | undefined;
  private wrappedEmit: EmitFn | undefined;
  private wrappedEmitAsync: EmitFn | undefined;
  private hadOwnEmit = false;
  private hadOwnEmitAsync = false;
  private forwarding: Subscription | undefined;
  private active = false;

  constructor(
    private readonly bus: EventBusService,
    private readonly emitter: BridgedEmitter,
    private readonly options: ResolvedEventEmitterBridge,
    private readonly warnings: WarnOnce,
  ) {}

  install(): void {
    if (this.active) return;
    this.active = true;
    this.hadOwnEmit = Object.prototype.hasOwnProperty.call(this.emitter, 'emit');
    this.hadOwnEmitAsync = Object.prototype.hasOwnProperty.call(this.emitter, 'emitAsync');
    const originalEmit = (this.originalEmit = this.emitter.emit as EmitFn);
    const originalEmitAsync = (this.originalEmitAsync = this.emitter.emitAsync as EmitFn);
    const record = (args: unknown[]) => this.record(args);
    this.wrappedEmit = function bridgedEmit(this: unknown, ...args: unknown[]) {
      record(args);
      return originalEmit.apply(this, args);
    };
    this.wrappedEmitAsync = function bridgedEmitAsync(this: unknown, ...args: unknown[]) {
      record(args);
      return originalEmitAsync.apply(this, args);
    };
    this.emitter.emit = this.wrappedEmit as BridgedEmitter['emit'];
    this.emitter.emitAsync = this.wrappedEmitAsync as BridgedEmitter['emitAsync'];
    if (this.options.forwardToEventEmitter) {
      this.forwarding = this.bus.on('**', (event) => this.forward(event), {
        name: 'EventEmitterBridge.forward',
        filter: (event) => event.metadata.bridge !== EVENT_EMITTER_BRIDGE,
      });
    }
  }

  /** Puts the emitter's methods back (unless someone wrapped them after us) and stops forwarding. */
  uninstall(): void {
    if (!this.active) return;
    this.active = false;
    this.forwarding?.unsubscribe();
    this.forwarding = undefined;
    restore(this.emitter, 'emit', this.wrappedEmit, this.originalEmit, this.hadOwnEmit);
    restore(this.emitter, 'emitAsync', this.wrappedEmitAsync, this.originalEmitAsync, this.hadOwnEmitAsync);
  }

  /** Called with the arguments of every `emit()`/`emitAsync()`; never throws into the emitter. */
  private record(args: unknown[]): void {
    if (!this.active) return;
    const name = args[0];
    if (INTERNAL_NAMES.has(name)) return;
    const mapped = this.mapName(name as EmitterEventName);
    if (mapped === null) return;
    const payload = args.length <= 1 ? undefined : args.length === 2 ? args[1] : args.slice(1);
    const plain = toPlainData(payload);
    if (!plain.ok) {
      this.warnings.warn(
        `payload:${mapped.type}`,
        `EventEmitter2 event "${mapped.type}" was not recorded on the event bus: ${plain.reason}. ` +
          `Its EventEmitter2 listeners still ran. (Logged once per type.)`,
      );
      return;
    }
    try {
      this.bus.emit(mapped.type, plain.value, mapped.options);
    } catch (error) {
      const reason = errorMessage(error);
      this.warnings.warn(
        `emit:${mapped.type}:${error instanceof Error ? error.name : ''}`,
        `EventEmitter2 event "${mapped.type}" was not recorded on the event bus: ${reason} ` +
          `Its EventEmitter2 listeners still ran. (Logged once per type and error.)`,
      );
    }
  }

  private mapName(name: EmitterEventName): MappedName | null {
    if (typeof name !== 'string') return this.buildMapping(name);
    let mapped = this.names.get(name);
    if (mapped === undefined) {
      mapped = this.buildMapping(name);
      if (this.names.size < MAX_CACHED_NAMES) this.names.set(name, mapped);
    }
    return mapped;
  }

  private buildMapping(name: EmitterEventName): MappedName | null {
    const label = describeName(name);
    let type: string | undefined;
    try {
      type = this.options.typeOf ? this.options.typeOf(name) : emitterNameToType(name);
    } catch (error) {
      this.warnings.warn(
        `typeOf:${label}`,
        `bridges.eventEmitter.typeOf threw for EventEmitter2 event ${label}; it is not recorded on the bus: ` +
          errorMessage(error),
      );
      return null;
    }
    if (type === undefined) {
      if (!this.options.typeOf) {
        this.warnings.warn(
          `name:${label}`,
          `EventEmitter2 event ${label} has no event bus type (symbols, wildcards and names without letters or ` +
            `digits have none); it is not recorded on the bus. Map it with bridges.eventEmitter.typeOf.`,
        );
      }
      return null;
    }
    if (!isValidEventType(type)) {
      this.warnings.warn(
        `type:${label}`,
        `bridges.eventEmitter.typeOf mapped EventEmitter2 event ${label} to "${String(type)}", which is not a ` +
          `valid event type (lowercase dotted segments); it is not recorded on the bus.`,
      );
      return null;
    }
    const metadata: Record<string, unknown> = { bridge: EVENT_EMITTER_BRIDGE };
    if (typeof name === 'string' && name !== type) metadata.eventName = name;
    return { type, options: Object.freeze({ metadata: Object.freeze(metadata) }) };
  }

  /** Delivers a bus event to EventEmitter2 listeners through the original `emit`, which records nothing. */
  private forward(event: BusEvent): void {
    // EventEmitter2 throws on an 'error' event nobody listens to; on the bus it is just a type.
    if (event.type === 'error' && this.emitter.listenerCount('error') === 0) return;
    this.originalEmit?.call(this.emitter, event.type, event.data);
  }
}

/** Puts a method back as it was: the own property it was, or none (the prototype's) - unless re-wrapped since. */
function restore(
  emitter: BridgedEmitter,
  key: 'emit' | 'emitAsync',
  wrapped: EmitFn | undefined,
  original: EmitFn | undefined,
  hadOwn: boolean,
): void {
  if (emitter[key] !== wrapped) return;
  if (hadOwn) (emitter as unknown as Record<string, unknown>)[key] = original;
  else delete (emitter as unknown as Record<string, unknown>)[key];
}

function describeName(name: EmitterEventName): string {
  if (typeof name === 'string') return JSON.stringify(name);
  if (Array.isArray(name)) return `[${name.map((part) => String(part)).join(', ')}]`;
  return String(name);
}
