import { isValidEventType } from '../event/event-type';
import type { EmitterEventName } from './bridges.options';

const WORD_RE = /[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+/g;
const SEPARATOR_RE = /[^A-Za-z0-9_-]+/;

/**
 * The bus type for an `EventEmitter2` event name, or undefined when there is none: valid types stay as they
 * are; otherwise separators (`.`, `:`, `/`, spaces, the emitter's delimiter) and camelCase boundaries become
 * dots and everything is lowercased (`orderCreated`, `order:created` -> `order.created`). Wildcard names
 * (`order.*`) and symbols have no type.
 */
export function emitterNameToType(name: EmitterEventName): string | undefined {
  if (typeof name === 'string') return stringToType(name);
  if (Array.isArray(name)) {
    if (!name.every((part): part is string => typeof part === 'string')) return undefined;
    return stringToType(name.join('.'));
  }
  return undefined;
}

/**
 * The default bus type for a CQRS event class: its static `type` when that is a string, else the class name
 * without an `Event` suffix in dotted lower case (`UserRegisteredEvent` -> `user.registered`,
 * `HTTPRequestFailed` -> `http.request.failed`). Undefined when the class has no usable name.
 */
export function cqrsEventToType(event: object): string | undefined {
  const constructor = (event as { constructor?: { type?: unknown; name?: unknown } }).constructor;
  if (typeof constructor?.type === 'string') return constructor.type;
  const className = typeof constructor?.name === 'string' ? constructor.name : '';
  const base = className.length > 5 && className.endsWith('Event') ? className.slice(0, -5) : className;
  return wordsToType(base);
}

function stringToType(name: string): string | undefined {
  // Not a type guard here: an invalid name is still a string to split.
  if (isValidEventType(name as unknown)) return name;
  if (name.includes('*')) return undefined;
  const segments = name
    .split(SEPARATOR_RE)
    .map(wordsToType)
    .filter((s): s is string => s !== undefined);
  const type = segments.join('.');
  return isValidEventType(type) ? type : undefined;
}

/** `UserRegistered` -> `user.registered`; `user_created` stays; undefined when nothing usable is left. */
function wordsToType(text: string): string | undefined {
  if (text === '') return undefined;
  if (text === text.toLowerCase()) return isValidEventType(text as unknown) ? text : undefined;
  const parts = text.split(/[_-]/).map((chunk) => {
    if (chunk === chunk.toUpperCase()) return chunk.toLowerCase();
    return (chunk.match(WORD_RE) ?? []).map((w) => w.toLowerCase()).join('.');
  });
  const type = text.includes('_') ? parts.join('_') : parts.join('-');
  return isValidEventType(type) ? type : undefined;
}
