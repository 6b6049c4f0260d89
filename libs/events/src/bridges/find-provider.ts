import { BridgeUnavailableError } from '../errors/bridge-unavailable.error';

/** Finds a provider of an optional library anywhere in the app; throws `BridgeUnavailableError` when absent. */
export function findProvider<T>(
  get: (token: unknown) => T,
  token: unknown,
  option: string,
  moduleName: string,
): T {
  try {
    return get(token);
  } catch {
    const name = (token as { name?: string }).name ?? String(token);
    throw new BridgeUnavailableError(
      option,
      `EventsModule option "${option}" is on, but the app has no ${name} provider. Import ${moduleName} in your ` +
        `app (e.g. in AppModule), or turn "${option}" off.`,
    );
  }
}
