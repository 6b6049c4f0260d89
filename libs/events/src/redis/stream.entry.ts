import { isTraceHeaderValue, type EventTraceContext } from '../event/event.codec';

/** One stream entry as Redis returns it: its id and its flat field/value list (null once deleted). */
export interface RawEntry {
  readonly id: string;
  readonly fields: readonly string[] | null;
}

/** What an entry of an event stream or a retry stream carries. */
export interface EntryFields {
  readonly type: string;
  /** The event's exact JSON. */
  readonly body: string;
  /** The durable round (1 for an entry of the event stream). */
  readonly attempt: number;
  /** Retry entries only: the handlers to run, each with the tries it has had so far. */
  readonly tries?: Readonly<Record<string, number>>;
  /** Retry entries only: `<stream>/<id>` of the event's first entry. */
  readonly origin?: string;
  /** The trace context published beside the event, kept on its retry entries too. */
  readonly trace?: EventTraceContext;
}

/** Field names, short and fixed: they are stored with every entry. */
export const FIELD = Object.freeze({
  type: 'type',
  body: 'body',
  attempt: 'attempt',
  handlers: 'handlers',
  origin: 'origin',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const);

/** The fields of an event entry, as XADD takes them: the trace context after the JSON when there is one. */
export function eventFields(type: string, body: string, trace?: EventTraceContext): string[] {
  const fields = [FIELD.type, type, FIELD.body, body];
  if (trace?.traceparent !== undefined) fields.push(FIELD.traceparent, trace.traceparent);
  if (trace?.tracestate !== undefined) fields.push(FIELD.tracestate, trace.tracestate);
  return fields;
}

/** The entry's fields, or undefined when the entry is not one of ours (or was deleted). */
export function readEntry(entry: RawEntry): EntryFields | undefined {
  const fields = entry.fields;
  if (fields === null) return undefined;
  let type: string | undefined;
  let body: string | undefined;
  let attempt = 1;
  let handlers: string | undefined;
  let origin: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    switch (fields[i]) {
      case FIELD.type:
        type = value;
        break;
      case FIELD.body:
        body = value;
        break;
      case FIELD.attempt:
        attempt = Number(value);
        break;
      case FIELD.handlers:
        handlers = value;
        break;
      case FIELD.origin:
        origin = value;
        break;
      case FIELD.traceparent:
        traceparent = value;
        break;
      case FIELD.tracestate:
        tracestate = value;
        break;
    }
  }
  if (type === undefined || body === undefined || !(attempt >= 1)) return undefined;
  const trace = traceContext(traceparent, tracestate);
  if (handlers === undefined) return trace ? { type, body, attempt, trace } : { type, body, attempt };
  const tries = parseTries(handlers);
  if (tries === undefined) return undefined;
  return trace ? { type, body, attempt, tries, origin, trace } : { type, body, attempt, tries, origin };
}

/** The trace context of an entry: kept only when its values could be headers (a retry member holds them too). */
function traceContext(traceparent?: string, tracestate?: string): EventTraceContext | undefined {
  if (!isTraceHeaderValue(traceparent)) return undefined;
  return isTraceHeaderValue(tracestate) ? { traceparent, tracestate } : { traceparent };
}

/**
 * The sorted-set member of a scheduled retry: `attempt`, handlers with their tries (JSON), origin and type each
 * end with a newline (none of them can hold one), then the body; then, when the event has a trace context, a
 * newline and `traceparent`, and a newline and `tracestate` when there is one (the body, JSON text, holds no
 * raw newline). The retry mover script splits it back.
 */
export function retryMember(
  fields: Pick<EntryFields, 'type' | 'body' | 'trace'>,
  attempt: number,
  tries: Readonly<Record<string, number>>,
  origin: string,
): string {
  const member = `${attempt}\n${JSON.stringify(tries)}\n${origin}\n${fields.type}\n${fields.body}`;
  const trace = fields.trace;
  if (trace?.traceparent === undefined) return member;
  return trace.tracestate === undefined
    ? `${member}\n${trace.traceparent}`
    : `${member}\n${trace.traceparent}\n${trace.tracestate}`;
}

/** `[[id, fields], ...]` as entries; anything else as none. */
export function toEntries(reply: unknown): RawEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: RawEntry[] = [];
  for (const item of reply) {
    if (Array.isArray(item) && typeof item[0] === 'string') {
      entries.push({ id: item[0], fields: Array.isArray(item[1]) ? (item[1] as string[]) : null });
    }
  }
  return entries;
}

/**
 * XREADGROUP's reply as a map from key to entries. RESP2 gives `[[key, entries], ...]`; RESP3 gives a map, which
 * a raw `call()` returns flat as `[key, entries, key, entries...]`.
 */
export function toStreamEntries(reply: unknown): Map<string, RawEntry[]> {
  const byKey = new Map<string, RawEntry[]>();
  if (!Array.isArray(reply)) return byKey;
  if (typeof reply[0] === 'string') {
    for (let i = 0; i + 1 < reply.length; i += 2) byKey.set(String(reply[i]), toEntries(reply[i + 1]));
    return byKey;
  }
  for (const item of reply) {
    if (Array.isArray(item) && typeof item[0] === 'string') byKey.set(item[0], toEntries(item[1]));
  }
  return byKey;
}

function parseTries(text: string): Record<string, number> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const tries: Record<string, number> = Object.create(null) as Record<string, number>;
    for (const [handler, count] of Object.entries(value)) {
      if (typeof count !== 'number' || !(count >= 0)) return undefined;
      tries[handler] = count;
    }
    return tries;
  } catch {
    return undefined;
  }
}
