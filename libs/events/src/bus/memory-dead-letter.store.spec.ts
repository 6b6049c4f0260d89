import { Logger } from '@nestjs/common';
import type { BusEvent } from '../event/bus-event.interface';
import type { DeadLetter } from './bus.interfaces';
import { EventBusService } from './event-bus.service';
import { MemoryDeadLetterStore } from './memory-dead-letter.store';

function letter(id: string, payloadChars: number): DeadLetter {
  const event = { id, type: 'a.b', data: 'x'.repeat(payloadChars), metadata: {} } as unknown as BusEvent;
  return { id, event, handler: 'h', error: { name: 'Error', message: 'boom' }, attempts: 1, failedAt: '' };
}

describe('MemoryDeadLetterStore', () => {
  it('evicts the oldest letters to stay within maxEntries', () => {
    const store = new MemoryDeadLetterStore(2);
    for (const id of ['1', '2', '3']) store.add(letter(id, 10));
    expect(store.list().map((l) => l.id)).toEqual(['2', '3']);
    expect(store.total).toBe(3);
  });

  it('evicts the oldest letters to stay within maxBytes, whatever their count (report C3b)', () => {
    const store = new MemoryDeadLetterStore(1000, 100_000);
    for (let i = 0; i < 40; i++) store.add(letter(String(i), 10_000));
    expect(store.size).toBeLessThanOrEqual(100_000);
    expect(store.list().length).toBeLessThan(10);
    expect(store.list().at(-1)?.id).toBe('39');
    store.remove('39');
    expect(store.get('39')).toBeUndefined();
    expect(store.size).toBeLessThanOrEqual(100_000);
  });

  it('does not keep a letter larger than maxBytes on its own, and counts it', () => {
    const store = new MemoryDeadLetterStore(10, 10_000);
    store.add(letter('small', 10));
    store.add(letter('huge', 50_000));
    expect(store.list().map((l) => l.id)).toEqual(['small']);
    expect(store).toMatchObject({ total: 2, oversized: 1 });
  });

  it('is what a bus keeps its dead letters in, bounded by deadLetters.maxBytes', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const bus = new EventBusService({ deadLetters: { maxBytes: 200_000 } });
    bus.on('big.payload', () => {
      throw new Error('fails on every payload');
    });
    for (let i = 0; i < 40; i++) bus.emit('big.payload', { blob: 'x'.repeat(50_000) });
    const kept = bus.deadLetters();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(2);
    expect(bus.stats().deadLetters).toBe(40);
    jest.restoreAllMocks();
  });
});

describe('handler names', () => {
  it('keeps a listener named __proto__ as its own entry of stats().handlers (report C1b)', () => {
    const bus = new EventBusService();
    bus.on('a.b', () => undefined, { name: '__proto__' });
    bus.on('a.b', () => undefined, { name: 'plain' });
    bus.emit('a.b');
    const { handlers } = bus.stats();
    expect(Object.hasOwn(handlers, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(handlers)).toBe(Object.prototype);
    expect(handlers['__proto__']).toMatchObject({ calls: 1 });
    expect(Object.keys(handlers).sort()).toEqual(['__proto__', 'plain']);
  });
});
