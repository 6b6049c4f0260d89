import { EventsError } from './events.error';

/**
 * Thrown at startup when an option needs an optional peer dependency that is not installed (for example
 * `metrics` without `prom-client`). The message names the package to install and the option to turn off.
 */
export class MissingPeerDependencyError extends EventsError {
  constructor(
    /** The package to install, e.g. `prom-client`. */
    readonly packageName: string,
    /** The option that needs it, e.g. `metrics`. */
    readonly option: string,
    cause?: unknown,
  ) {
    super(
      `The EventsModule option "${option}" needs the package "${packageName}", which could not be loaded. ` +
        `Install it (npm install ${packageName}) or set ${option}: false.`,
      { cause },
    );
  }
}
