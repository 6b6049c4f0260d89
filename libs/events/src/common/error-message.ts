/** What a thrown value is reduced to wherever the bus keeps or logs it: plain strings, read once. */
export interface ErrorParts {
  name: string;
  message: string;
  stack?: string;
}

/** The message used when a thrown value's own message cannot be read. */
export const UNREADABLE_MESSAGE = 'an error whose message could not be read';

/**
 * The message of a thrown value: an `Error`'s message, else the value as text. Never throws, whatever was thrown
 * (a throwing `message` getter, a revoked proxy, an object whose `toString` throws).
 */
export function errorMessage(thrown: unknown): string {
  let isError: boolean;
  try {
    isError = thrown instanceof Error;
  } catch {
    // A revoked proxy throws on the prototype lookup `instanceof` makes.
    return 'a revoked proxy';
  }
  if (!isError) return safeString(thrown);
  try {
    return String((thrown as Error).message);
  } catch {
    return UNREADABLE_MESSAGE;
  }
}

/**
 * The thrown value as an `Error`: itself when it is one whose name, message and stack can all be read, else a
 * new error that describes it (`NonErrorThrown` for other values, `UnreadableError` for an error or proxy that
 * throws when read). Never throws.
 */
export function asError(thrown: unknown): Error {
  let isError: boolean;
  try {
    isError = thrown instanceof Error;
  } catch {
    return named('UnreadableError', 'A revoked proxy was thrown.');
  }
  if (isError) {
    return readable(thrown as Error) ? (thrown as Error) : unreadable(thrown as Error);
  }
  return named(
    'NonErrorThrown',
    typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`,
  );
}

/**
 * The name, message and stack of a thrown value as plain strings, each read once and never throwing: what dead
 * letters, logs and `event.handler.failed` keep. A part that cannot be read falls back to a generic text.
 */
export function errorParts(thrown: unknown): ErrorParts {
  const error = asError(thrown);
  const name = readString(() => error.name) ?? 'Error';
  const message = readString(() => error.message) ?? UNREADABLE_MESSAGE;
  const stack = readString(() => error.stack);
  return stack === undefined ? { name, message } : { name, message, stack };
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

function readable(error: Error): boolean {
  try {
    void String(error.name);
    void String(error.message);
    const stack: unknown = error.stack;
    if (stack !== undefined) void String(stack);
    return true;
  } catch {
    return false;
  }
}

/** An error standing for one that throws when read: what could be read of it, and the original as `cause`. */
function unreadable(original: Error): Error {
  const message = readString(() => original.message);
  const error = named(
    'UnreadableError',
    message === undefined ? `A thrown error could not be read (${UNREADABLE_MESSAGE}).` : message,
  );
  try {
    Object.defineProperty(error, 'cause', { value: original, configurable: true, writable: true });
  } catch {
    // Nothing to keep then.
  }
  return error;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** `read()` as a string, or undefined when it throws or gives undefined. */
function readString(read: () => unknown): string | undefined {
  try {
    const value = read();
    return value === undefined ? undefined : String(value);
  } catch {
    return undefined;
  }
}
