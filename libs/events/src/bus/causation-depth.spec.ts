import { Logger } from '@nestjs/common';
import { runInThisContext } from 'node:vm';
import { CausationDepthError } from '../errors/causation-depth.error';
import { EventBusClosedError } from '../errors/event-bus-closed.error';
import { EventsConfigError } from '../errors/events-config.error';
import type { BusEvent } from '../event/bus-event.interface';
import { EventBusService } from './event-bus.service';
import { HandlerFailed } from './system-events';

// Finding C5 of the reliability report: handlers that re-emit their own event looped until a stack overflow
// (sync), for ever (paced by I/O, even after close) or starved the event loop (paced by microtasks only).

const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => {
  realProcess.on('unhandledRejection', onUnhandled);
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterAll(() => {
  realProcess.off('unhandledRejection', onUnhandled);
  jest.restoreAllMocks();
});
afterEach(() => expect(unhandled).toEqual([]));

/** A timer callback: it runs only when the event loop is not starved by microtasks. */
const timerTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

type Pacing = [string, (bus: EventBusService, event: BusEvent) => unknown];

const PACINGS: Pacing[] = [
  ['synchronously', (bus, event) => void bus.emit(event.type)],
  [
    'after await Promise.resolve() (microtasks only)',
    async (bus, event) => {
      await Promise.resolve();
      bus.emit(event.type);
    },
  ],
  [
    'from setImmediate (paced by the event loop)',
    (bus, event) =>
      new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          try {
            bus.emit(event.type);
            resolve();
          } catch (error) {
            reject(error);
          }
        }),
      ),
  ],
  ['through emitAsync()', (bus, event) => bus.emitAsync(event.type)],
];

describe.each(PACINGS)('a handler that re-emits its own event %s', (_name, reEmit) => {
  it('stops at maxCausationDepth with CausationDepthError as its dead letter and event.handler.failed', async () => {
    const bus = new EventBusService({ maxCausationDepth: 5 });
    const depths: number[] = [];
    const failures: BusEvent[] = [];
    bus.on(HandlerFailed, (event) => void failures.push(event));
    bus.on(
      'loop.tick',
      (event) => {
        depths.push((event.metadata.causationDepth as number | undefined) ?? 0);
        return reEmit(bus, event);
      },
      { name: 'looper' },
    );
    bus.emit('loop.tick');
    // A timer fires: the loop never starved the event loop.
    await timerTurn();
    await bus.drain(5000);
    expect(depths).toEqual([0, 1, 2, 3, 4, 5]);
    const letters = bus.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ handler: 'looper', error: { name: 'CausationDepthError' } });
    expect(letters[0].error.message).toMatch(/would be 6 handler hops .* maxCausationDepth is 5/);
    expect(failures).toHaveLength(1);
    expect(failures[0].data).toMatchObject({ handler: 'looper', eventType: 'loop.tick' });
  });
});

describe('causation depth', () => {
  it('defaults to 32 and is an EventsModule option checked at startup', async () => {
    const bus = new EventBusService();
    let deepest = 0;
    bus.on('loop.tick', (event) => {
      deepest = (event.metadata.causationDepth as number | undefined) ?? 0;
      bus.emit('loop.tick');
    });
    bus.emit('loop.tick');
    expect(deepest).toBe(32);
    expect(() => new EventBusService({ maxCausationDepth: 0 })).toThrow(EventsConfigError);
    expect(() => new EventBusService({ maxCausationDepth: 1.5 })).toThrow(/maxCausationDepth/);
  });

  it('counts hops, not events: a wide fan-out at depth 1 is fine', () => {
    const bus = new EventBusService({ maxCausationDepth: 2 });
    const seen: number[] = [];
    bus.on('order.placed', () => {
      for (let i = 0; i < 50; i++) bus.emit('line.added', { i });
    });
    bus.on('line.added', (event) => void seen.push(event.metadata.causationDepth as number));
    bus.emit('order.placed');
    expect(seen).toHaveLength(50);
    expect(new Set(seen)).toEqual(new Set([1]));
    expect(bus.deadLetters()).toEqual([]);
  });

  it('leaves events emitted outside handlers without the key, and keeps user metadata beside it', () => {
    const bus = new EventBusService();
    const inner: BusEvent[] = [];
    bus.on('a.b', () => void inner.push(bus.emit('c.d', undefined, { metadata: { tenant: 't1' } })));
    const outer = bus.emit('a.b');
    expect(outer.metadata).toStrictEqual({});
    expect(inner[0].metadata).toStrictEqual({ tenant: 't1', causationDepth: 1 });
    expect(Object.isFrozen(inner[0].metadata)).toBe(true);
  });

  it('continues the count of an event that arrives with a depth (from another process)', () => {
    const bus = new EventBusService({ maxCausationDepth: 3 });
    bus.on('a.b', () => void bus.emit('c.d'), { name: 'relay' });
    const arrived = bus.emit('a.b', undefined, { metadata: { causationDepth: 3 } });
    expect(arrived.metadata).toStrictEqual({ causationDepth: 3 });
    // emitted outside a handler, the given metadata stands; handlers of it are at depth 3 already
    expect(bus.deadLetters().map((d) => d.error.name)).toEqual(['CausationDepthError']);
  });

  it('throws CausationDepthError to the emitter inside a handler, which may catch it', () => {
    const bus = new EventBusService({ maxCausationDepth: 1 });
    const caught: unknown[] = [];
    bus.on('a.b', () => {
      try {
        bus.emit('a.b');
      } catch (error) {
        caught.push(error);
      }
    });
    bus.emit('a.b');
    expect(caught).toHaveLength(1);
    expect(caught[0]).toBeInstanceOf(CausationDepthError);
    expect(caught[0]).toMatchObject({ eventType: 'a.b', depth: 2, maxDepth: 1 });
  });
});

describe('a closed bus', () => {
  it('refuses emit() and emitAsync() with EventBusClosedError, and announces nothing more', async () => {
    const bus = new EventBusService();
    const handler = jest.fn();
    bus.on('a.b', handler);
    bus.close();
    expect(bus.isClosed()).toBe(true);
    expect(() => bus.emit('a.b')).toThrow(EventBusClosedError);
    expect(() => bus.emit('a.b')).toThrow(/the event bus is closed/);
    await expect(bus.emitAsync('a.b')).rejects.toThrow(EventBusClosedError);
    expect(handler).not.toHaveBeenCalled();
    expect(bus.stats().emitted).toBe(0);
  });

  it('stops a loop paced by the event loop at close: the next emit fails inside the handler', async () => {
    const bus = new EventBusService({ maxCausationDepth: 10_000 });
    let deliveries = 0;
    bus.on(
      'loop.tick',
      () => {
        deliveries++;
        return new Promise<void>((resolve, reject) =>
          setImmediate(() => {
            try {
              bus.emit('loop.tick');
              resolve();
            } catch (error) {
              reject(error);
            }
          }),
        );
      },
      { name: 'looper' },
    );
    bus.emit('loop.tick');
    while (deliveries < 20) await new Promise((resolve) => setImmediate(resolve));
    bus.close();
    await bus.drain(5000);
    const atClose = deliveries;
    await timerTurn();
    expect(deliveries).toBe(atClose);
    expect(bus.deadLetters().map((d) => d.error.name)).toEqual(['EventBusClosedError']);
  });
});
