/**
 * Loads an optional peer dependency only when the option that needs it is on, so apps without it build and boot.
 * When it cannot be loaded, throws the error `toError` makes from the load failure.
 */
export function loadOptionalPeer<T>(packageName: string, toError: (cause: unknown) => Error): T {
  try {
    // A lazy require on purpose: the package is optional and must not load unless its option is on.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(packageName) as T;
  } catch (error) {
    throw toError(error);
  }
}
