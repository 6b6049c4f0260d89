import { checkBoolean } from '../common/option-checks';

/** The module options listener discovery reads (part of `EventsModuleOptions`). */
export interface DiscoveryModuleOptions {
  /**
   * Log what discovery found at startup: every listener by type and priority (debug), and listeners on exact
   * types no definition declares, which are often typos (warn). Default false: startup logs one line.
   */
  verbose?: boolean;
}

/** Discovery's options with defaults applied; provided under `DISCOVERY_OPTIONS` by the module. */
export interface DiscoveryOptions {
  readonly verbose: boolean;
}

/** Injection token of the resolved `DiscoveryOptions`. */
export const DISCOVERY_OPTIONS = Symbol('nestjs-event-bus:discovery-options');

/** Applies discovery's defaults; a wrong value throws `EventsConfigError` naming the option. */
export function resolveDiscoveryOptions(options: DiscoveryModuleOptions): DiscoveryOptions {
  return { verbose: checkBoolean('verbose', options.verbose, false) };
}
