import { Injectable, Optional } from '@nestjs/common';
import { AuditService, EventBusService, type AuditRecord, type BusEvent } from 'nestjs-event-bus';
import { HandlerOutcomes, type HandlerOutcome } from './handler-outcomes';

/** A handler's result for one event in the trace. */
export interface TraceHandler extends HandlerOutcome {
  /** Set for failures that went to the dead-letter queue. */
  error?: string;
  deadLetterId?: string;
}

/** One event in the tree; `children` are the events its handlers emitted (causationId = this id). */
export interface TraceNode {
  id: string;
  type: string;
  timestamp: string;
  severity: string;
  source: string;
  actorId?: string;
  causationId?: string;
  data: unknown;
  /** Where the event was found: the in-memory history, the audit trail, or both. */
  foundIn: ('history' | 'audit')[];
  auditSeq?: number;
  handlers: TraceHandler[];
  children: TraceNode[];
}

export interface Trace {
  correlationId: string;
  /** Number of distinct events. */
  events: number;
  /** Actors that appear in the trace. */
  actors: string[];
  roots: TraceNode[];
}

const MAX_AUDIT_PAGES = 20;

/**
 * Reads back one correlation id's story: events from the bus history and the audit trail (which outlives the
 * in-memory history and restarts), merged by event id, arranged as a tree by causation id in id order (UUIDv7:
 * creation order), each with its handlers' outcomes. Payloads are shown as stored: the plugin redacts secret
 * keys when each event is created, before history and the audit trail see it.
 */
@Injectable()
export class TraceService {
  constructor(
    private readonly bus: EventBusService,
    private readonly outcomes: HandlerOutcomes,
    @Optional() private readonly audit?: AuditService,
  ) {}

  async trace(correlationId: string): Promise<Trace> {
    const nodes = new Map<string, TraceNode>();
    for (const event of this.bus.history({ correlationId })) nodes.set(event.id, this.fromEvent(event));
    for (const record of await this.auditRecords(correlationId)) {
      const known = nodes.get(record.eventId);
      if (known) {
        known.foundIn.push('audit');
        known.auditSeq = record.seq;
      } else {
        nodes.set(record.eventId, this.fromAudit(record));
      }
    }
    this.attachDeadLetters(correlationId, nodes);

    const roots: TraceNode[] = [];
    const ordered = [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const node of ordered) {
      const parent = node.causationId ? nodes.get(node.causationId) : undefined;
      (parent ? parent.children : roots).push(node);
    }
    const actors = [...new Set(ordered.map((n) => n.actorId).filter((a): a is string => a !== undefined))];
    return { correlationId, events: nodes.size, actors, roots };
  }

  private fromEvent(event: BusEvent): TraceNode {
    return {
      id: event.id,
      type: event.type,
      timestamp: event.timestamp,
      severity: event.severity,
      source: event.source,
      actorId: event.actorId,
      causationId: event.causationId,
      data: event.data,
      foundIn: ['history'],
      handlers: this.outcomes.of(event.id),
      children: [],
    };
  }

  private fromAudit(record: AuditRecord): TraceNode {
    return {
      id: record.eventId,
      type: record.type,
      timestamp: record.timestamp,
      severity: record.severity,
      source: record.source,
      actorId: record.actorId ?? undefined,
      causationId: record.causationId ?? undefined,
      data: record.data,
      foundIn: ['audit'],
      auditSeq: record.seq,
      handlers: this.outcomes.of(record.eventId),
      children: [],
    };
  }

  private attachDeadLetters(correlationId: string, nodes: Map<string, TraceNode>): void {
    for (const letter of this.bus.deadLetters({ correlationId })) {
      const node = nodes.get(letter.event.id);
      if (!node) continue;
      const failure: TraceHandler = {
        handler: letter.handler,
        outcome: 'failure',
        attempts: letter.attempts,
        error: `${letter.error.name}: ${letter.error.message}`,
        deadLetterId: letter.id,
      };
      const index = node.handlers.findIndex((h) => h.handler === letter.handler);
      if (index >= 0) node.handlers[index] = failure;
      else node.handlers.push(failure);
    }
  }

  private async auditRecords(correlationId: string): Promise<AuditRecord[]> {
    if (!this.audit?.enabled) return [];
    await this.audit.flush();
    const records: AuditRecord[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_AUDIT_PAGES; page++) {
      const result = await this.audit.query({ correlationId, cursor, limit: 500 });
      records.push(...result.records);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    return records;
  }
}
