import type { AuditRecord } from '../audit/audit.interfaces';
import type { DeadLetter } from '../bus/bus.interfaces';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventTrace, TraceAttempt, TraceEvent, TraceHandler } from './trace.interfaces';
import type { RecordedAttempt, RecordedDeadLetter, RecordedEvent, TraceEntry } from './trace-store.port';

/** Everything read for one story, from wherever it was kept. */
export interface TraceParts {
  /** This process's history. */
  readonly history: readonly BusEvent[];
  readonly audit: readonly AuditRecord[];
  /** The trace store: every process's events, attempts and dead letters. */
  readonly recorded: readonly TraceEntry[];
  /** This process's (or this service's) dead letters. */
  readonly deadLetters: readonly DeadLetter[];
}

/** A dead letter, wherever it was found. */
interface Letter {
  readonly eventId: string;
  readonly handler: string;
  readonly deadLetterId: string;
  readonly attempts: number;
  readonly error: string;
  readonly source?: string;
}

/**
 * Merges what was read about one story into a tree: events by id (history first, then audit, then the trace
 * store), each event's handlers with their attempts, dead letters, and each event under the event that caused it.
 */
export function buildTrace(correlationId: string, parts: TraceParts): EventTrace {
  const nodes = new Map<string, TraceEvent>();
  for (const event of parts.history) nodes.set(event.id, fromEvent(event));
  for (const record of parts.audit) mergeAudit(nodes, record);
  const attempts: RecordedAttempt[] = [];
  const letters = new Map<string, Letter>();
  for (const entry of parts.recorded) {
    if (entry.kind === 'event') mergeRecorded(nodes, entry);
    else if (entry.kind === 'attempt') attempts.push(entry);
    else letters.set(entry.deadLetterId, fromRecordedLetter(entry));
  }
  for (const letter of parts.deadLetters) {
    if (!letters.has(letter.id)) letters.set(letter.id, fromDeadLetter(letter));
  }
  attachHandlers(nodes, attempts, [...letters.values()]);
  return assemble(correlationId, nodes);
}

function fromEvent(event: BusEvent): TraceEvent {
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    timestamp: event.timestamp,
    severity: event.severity,
    source: event.source,
    actorId: event.actorId,
    causationId: event.causationId,
    data: event.data,
    foundIn: ['history'],
    handlers: [],
    children: [],
  };
}

function mergeAudit(nodes: Map<string, TraceEvent>, record: AuditRecord): void {
  const known = nodes.get(record.eventId);
  if (known) {
    if (!known.foundIn.includes('audit')) known.foundIn.push('audit');
    known.auditSeq ??= record.seq;
    return;
  }
  nodes.set(record.eventId, {
    id: record.eventId,
    type: record.type,
    version: record.version,
    timestamp: record.timestamp,
    severity: record.severity,
    source: record.source,
    actorId: record.actorId ?? undefined,
    causationId: record.causationId ?? undefined,
    data: record.data,
    foundIn: ['audit'],
    auditSeq: record.seq,
    handlers: [],
    children: [],
  });
}

function mergeRecorded(nodes: Map<string, TraceEvent>, entry: RecordedEvent): void {
  const known = nodes.get(entry.id);
  if (known) {
    if (!known.foundIn.includes('store')) known.foundIn.push('store');
    return;
  }
  nodes.set(entry.id, {
    id: entry.id,
    type: entry.type,
    version: entry.version,
    timestamp: entry.timestamp,
    severity: entry.severity,
    source: entry.eventSource,
    actorId: entry.actorId,
    causationId: entry.causationId,
    data: entry.data,
    foundIn: ['store'],
    handlers: [],
    children: [],
  });
}

function fromRecordedLetter(entry: RecordedDeadLetter): Letter {
  const { eventId, handler, deadLetterId, attempts, error, source } = entry;
  return { eventId, handler, deadLetterId, attempts, error, source };
}

function fromDeadLetter(letter: DeadLetter): Letter {
  return {
    eventId: letter.event.id,
    handler: letter.handler,
    deadLetterId: letter.id,
    attempts: letter.attempts,
    error: `${letter.error.name}: ${letter.error.message}`,
  };
}

/** Groups attempts by event and handler, classifies each, and adds the dead letters. */
function attachHandlers(
  nodes: Map<string, TraceEvent>,
  attempts: readonly RecordedAttempt[],
  letters: readonly Letter[],
): void {
  const byHandler = new Map<string, RecordedAttempt[]>();
  for (const attempt of attempts) {
    const key = `${attempt.eventId}\u0000${attempt.handler}`;
    const list = byHandler.get(key);
    if (list) list.push(attempt);
    else byHandler.set(key, [attempt]);
  }
  const lettersByKey = new Map(letters.map((l) => [`${l.eventId}\u0000${l.handler}`, l]));
  for (const [key, list] of byHandler) {
    const node = nodes.get(list[0].eventId);
    if (node) node.handlers.push(handlerOf(list, lettersByKey.get(key), node.timestamp));
    lettersByKey.delete(key);
  }
  for (const letter of lettersByKey.values()) {
    nodes.get(letter.eventId)?.handlers.push({
      handler: letter.handler,
      outcome: 'failure',
      attempts: letter.attempts,
      source: letter.source,
      error: letter.error,
      deadLetterId: letter.deadLetterId,
      attemptLog: [],
    });
  }
  for (const node of nodes.values()) node.handlers.sort(byFirstAttempt);
}

function handlerOf(recorded: RecordedAttempt[], letter: Letter | undefined, eventTime: string): TraceHandler {
  const sorted = [...recorded].sort((a, b) => compare(a.endedAt, b.endedAt));
  const last = sorted[sorted.length - 1];
  const attemptLog = sorted.map((entry, index): TraceAttempt => {
    const isLast = index === sorted.length - 1;
    const outcome =
      entry.outcome === 'success'
        ? 'success'
        : !isLast
          ? 'retried'
          : letter !== undefined
            ? 'dead-letter'
            : 'failed';
    return {
      attempt: index + 1,
      outcome,
      startedAt: startOf(entry, eventTime),
      endedAt: entry.endedAt,
      durationMs: entry.durationMs,
      source: entry.source,
      instance: entry.instance,
    };
  });
  const handler: TraceHandler = {
    handler: last.handler,
    outcome: last.outcome,
    attempts: Math.max(sorted.length, letter?.attempts ?? 0),
    source: last.source,
    attemptLog,
  };
  if (letter !== undefined && last.outcome === 'failure') {
    handler.error = letter.error;
    handler.deadLetterId = letter.deadLetterId;
  }
  return handler;
}

/**
 * When the attempt began: its end less its duration, never before its event (timestamps keep whole milliseconds,
 * so a handler that started in the event's millisecond could otherwise seem to start before it).
 */
function startOf(entry: RecordedAttempt, eventTime: string): string {
  if (entry.durationMs === undefined) return entry.endedAt;
  const start = new Date(Date.parse(entry.endedAt) - entry.durationMs).toISOString();
  return start < eventTime && eventTime <= entry.endedAt ? eventTime : start;
}

function byFirstAttempt(a: TraceHandler, b: TraceHandler): number {
  const first = (h: TraceHandler) => h.attemptLog[0]?.startedAt ?? '\uffff';
  return compare(first(a), first(b)) || compare(a.handler, b.handler);
}

/** Hangs each event under its cause (in id order: UUIDv7 ids are creation order), and sums up the story. */
function assemble(correlationId: string, nodes: Map<string, TraceEvent>): EventTrace {
  const ordered = [...nodes.values()].sort((a, b) => compare(a.id, b.id));
  const roots: TraceEvent[] = [];
  const actors = new Set<string>();
  const sources = new Set<string>();
  let startedAt: string | undefined;
  let endedAt: string | undefined;
  for (const node of ordered) {
    const parent = node.causationId === undefined ? undefined : nodes.get(node.causationId);
    (parent && parent !== node ? parent.children : roots).push(node);
    if (node.actorId !== undefined) actors.add(node.actorId);
    sources.add(node.source);
    if (startedAt === undefined || node.timestamp < startedAt) startedAt = node.timestamp;
    for (const handler of node.handlers) {
      for (const attempt of handler.attemptLog) {
        sources.add(attempt.source);
        if (endedAt === undefined || attempt.endedAt > endedAt) endedAt = attempt.endedAt;
      }
    }
    if (endedAt === undefined || node.timestamp > endedAt) endedAt = node.timestamp;
  }
  return {
    correlationId,
    events: nodes.size,
    actors: [...actors],
    sources: [...sources],
    startedAt,
    endedAt,
    roots,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
