import type { BusEvent } from '../event/bus-event.interface';
import { EventHistory } from './event-history';

let seq = 0;
function event(type: string, correlationId = 'c1'): BusEvent {
  seq++;
  return Object.freeze({
    id: `id-${seq}`,
    type,
    version: 1,
    data: { seq },
    timestamp: new Date(0).toISOString(),
    correlationId,
    source: 'test',
    severity: 'info',
    metadata: {},
  });
}

const ids = (events: readonly BusEvent[]) => events.map((e) => (e.data as { seq: number }).seq);

describe('EventHistory', () => {
  beforeEach(() => {
    seq = 0;
  });

  it('keeps at most maxEvents, evicting the oldest first', () => {
    const history = new EventHistory(3, 1_000_000);
    for (let i = 0; i < 5; i++) history.push(event('a.b'), 10);
    expect(ids(history.query())).toEqual([3, 4, 5]);
    expect(history.size).toBe(3);
    expect(history.evicted).toBe(2);
    expect(history.bytes).toBe(30);
  });

  it('keeps at most maxBytes, evicting the oldest first', () => {
    const history = new EventHistory(100, 250);
    for (let i = 0; i < 4; i++) history.push(event('a.b'), 100);
    expect(ids(history.query())).toEqual([3, 4]);
    expect(history.bytes).toBe(200);
    history.push(event('a.b'), 240);
    expect(ids(history.query())).toEqual([5]);
  });

  it('keeps the newest event even when it alone is larger than maxBytes', () => {
    const history = new EventHistory(10, 50);
    history.push(event('a.b'), 10);
    history.push(event('a.b'), 500);
    expect(ids(history.query())).toEqual([2]);
  });

  it('queries by type pattern, correlation id and limit, newest N returned oldest first', () => {
    const history = new EventHistory(100, 1_000_000);
    history.push(event('user.created', 'r1'), 1); // 1
    history.push(event('user.deleted', 'r2'), 1); // 2
    history.push(event('order.placed', 'r1'), 1); // 3
    history.push(event('user.created', 'r1'), 1); // 4
    history.push(event('user.profile.updated', 'r1'), 1); // 5
    expect(ids(history.query({ type: 'user.*' }))).toEqual([1, 2, 4]);
    expect(ids(history.query({ type: 'user.**' }))).toEqual([1, 2, 4, 5]);
    expect(ids(history.query({ correlationId: 'r1' }))).toEqual([1, 3, 4, 5]);
    expect(ids(history.query({ correlationId: 'r1', type: 'user.*' }))).toEqual([1, 4]);
    expect(ids(history.query({ limit: 2 }))).toEqual([4, 5]);
    expect(ids(history.query({ correlationId: 'r1', limit: 3 }))).toEqual([3, 4, 5]);
    expect(ids(history.query({ limit: 0 }))).toEqual([]);
  });

  it('still answers queries in order after the ring wrapped around', () => {
    const history = new EventHistory(4, 1_000_000);
    for (let i = 0; i < 11; i++) history.push(event(i % 2 ? 'odd.one' : 'even.one'), 1);
    expect(ids(history.query())).toEqual([8, 9, 10, 11]);
    expect(ids(history.query({ type: 'odd.*' }))).toEqual([8, 10]);
  });

  it('clear() empties it', () => {
    const history = new EventHistory(4, 1000);
    history.push(event('a.b'), 5);
    history.clear();
    expect(history.query()).toEqual([]);
    expect(history.bytes).toBe(0);
  });
});
