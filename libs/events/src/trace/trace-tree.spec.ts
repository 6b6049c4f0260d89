import type { AuditRecord } from '../audit/audit.interfaces';
import type { DeadLetter } from '../bus/bus.interfaces';
import type { BusEvent } from '../event/bus-event.interface';
import type { RecordedAttempt, RecordedEvent } from './trace-store.port';
import { buildTrace } from './trace-tree';

const C = 'story-1';

function event(id: string, type: string, at: string, causationId?: string): BusEvent {
  return {
    id,
    type,
    version: 1,
    data: { n: id },
    timestamp: `2026-01-01T00:00:00.${at}Z`,
    correlationId: C,
    causationId,
    source: 'api',
    severity: 'info',
    metadata: {},
  };
}

function attempt(eventId: string, handler: string, endedAt: string, outcome: 'success' | 'failure', ms = 2) {
  return {
    kind: 'attempt',
    correlationId: C,
    source: 'worker',
    instance: 'host:1',
    eventId,
    handler,
    outcome,
    endedAt: `2026-01-01T00:00:00.${endedAt}Z`,
    durationMs: ms,
  } satisfies RecordedAttempt;
}

const NONE = { history: [], audit: [], recorded: [], deadLetters: [] };

describe('buildTrace', () => {
  it('merges an event found in the history, the audit trail and the store into one node', () => {
    const e = event('01', 'a.happened', '100');
    const audit = { seq: 7, eventId: '01', type: 'a.happened' } as AuditRecord;
    const recorded = { kind: 'event', id: '01', correlationId: C } as RecordedEvent;
    const trace = buildTrace(C, { ...NONE, history: [e], audit: [audit], recorded: [recorded] });
    expect(trace.events).toBe(1);
    expect(trace.roots[0]).toMatchObject({ id: '01', foundIn: ['history', 'audit', 'store'], auditSeq: 7 });
  });

  it('hangs events under their cause, and events whose cause is missing at the root', () => {
    const trace = buildTrace(C, {
      ...NONE,
      history: [
        event('01', 'a.x', '100'),
        event('02', 'b.x', '101', '01'),
        event('03', 'c.x', '102', 'gone'),
      ],
    });
    expect(trace.roots.map((n) => n.id)).toEqual(['01', '03']);
    expect(trace.roots[0].children.map((n) => n.id)).toEqual(['02']);
  });

  it('classifies attempts: retried, then success; retried, then dead letter; a failure still pending', () => {
    const letter = {
      id: 'dl-1',
      event: event('01', 'a.x', '100'),
      handler: 'Ship.it',
      error: { name: 'Error', message: 'no stock' },
      attempts: 2,
      failedAt: '2026-01-01T00:00:00.200Z',
    } satisfies DeadLetter;
    const trace = buildTrace(C, {
      ...NONE,
      history: [event('01', 'a.x', '100')],
      recorded: [
        attempt('01', 'Bill.it', '110', 'failure'),
        attempt('01', 'Bill.it', '150', 'success'),
        attempt('01', 'Ship.it', '120', 'failure'),
        attempt('01', 'Ship.it', '190', 'failure'),
        attempt('01', 'Mail.it', '130', 'failure'),
      ],
      deadLetters: [letter],
    });
    const byName = new Map(trace.roots[0].handlers.map((h) => [h.handler, h]));
    expect(byName.get('Bill.it')!.attemptLog.map((a) => a.outcome)).toEqual(['retried', 'success']);
    expect(byName.get('Ship.it')).toMatchObject({
      outcome: 'failure',
      attempts: 2,
      error: 'Error: no stock',
      deadLetterId: 'dl-1',
    });
    expect(byName.get('Ship.it')!.attemptLog.map((a) => a.outcome)).toEqual(['retried', 'dead-letter']);
    expect(byName.get('Mail.it')!.attemptLog.map((a) => a.outcome)).toEqual(['failed']);
    expect(trace.sources).toEqual(['api', 'worker']);
    expect(trace.endedAt).toBe('2026-01-01T00:00:00.190Z');
  });

  it('lists a dead letter whose attempts were not recorded', () => {
    const trace = buildTrace(C, {
      ...NONE,
      history: [event('01', 'a.x', '100')],
      deadLetters: [
        {
          id: 'dl-2',
          event: event('01', 'a.x', '100'),
          handler: 'Old.one',
          error: { name: 'TypeError', message: 'bad' },
          attempts: 3,
          failedAt: '2026-01-01T00:00:00.300Z',
        },
      ],
    });
    expect(trace.roots[0].handlers).toEqual([
      expect.objectContaining({ handler: 'Old.one', attempts: 3, deadLetterId: 'dl-2', attemptLog: [] }),
    ]);
  });

  it('never starts an attempt before its event (timestamps keep whole milliseconds)', () => {
    const trace = buildTrace(C, {
      ...NONE,
      history: [event('01', 'a.x', '100')],
      recorded: [attempt('01', 'Fast.one', '101', 'success', 1.7)],
    });
    expect(trace.roots[0].handlers[0].attemptLog[0].startedAt).toBe('2026-01-01T00:00:00.100Z');
  });

  it('answers an empty story with no events', () => {
    expect(buildTrace(C, NONE)).toEqual({ correlationId: C, events: 0, actors: [], sources: [], roots: [] });
  });
});
