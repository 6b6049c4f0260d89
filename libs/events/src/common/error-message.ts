/**
 * The message of a thrown value: an `Error`'s message, else the value as text. Never throws, whatever was thrown
 * (a throwing `message` getter, a revoked proxy, an object whose `toString` throws).
 */
export function errorMessage(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return String(thrown.message);
  } catch {
    return 'an error whose message could not be read';
  }
  return safeString(thrown);
}

/** The thrown value as an `Error`: itself when it is one, else a `NonErrorThrown` error that describes it. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const error = new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`);
  error.name = 'NonErrorThrown';
  return error;
}

/** Any value as text, for messages: JSON for objects, `String()` otherwise; never throws. */
export function safeString(value: unknown): string {
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return 'an unprintable value';
    }
  }
}
