import { EventsError } from './events.error';

/**
 * Thrown at startup when a bridge is switched on but the app does not import the module of the library it
 * bridges (`EventEmitterModule` for `bridges.eventEmitter`, `CqrsModule` for `bridges.cqrs`).
 */
export class BridgeUnavailableError extends EventsError {
  constructor(
    /** The option that switched the bridge on, e.g. `bridges.cqrs`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
