import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService, HandlerFailed } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import {
  BoundedDeadLettersAppModule,
  DeadLettersAppModule,
  FailEverything,
  FailEverythingAppModule,
  RegionalListener,
  RegionsAppModule,
  UsModule,
  EuModule,
  ShipmentDispatched,
  ShipmentListeners,
} from './fixtures/dead-letters.fixture';
import { MisbehavingAppModule, MisbehavingListeners } from './fixtures/misbehaving.fixture';
import { delay } from '../support/wait';
import { guardEachTest } from './support/process-guard';

async function start(
  module: unknown,
): Promise<{ app: INestApplication; bus: EventBusService; events: EventRecorder }> {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  const events = EventRecorder.attach(app);
  await app.init();
  return { app, bus: app.get(EventBusService), events };
}

describe('dead letters and event.handler.failed', () => {
  let app: INestApplication;
  let bus: EventBusService;
  let events: EventRecorder;

  guardEachTest(async () => {
    await app?.close();
  });

  it('keeps the event, handler name, error message and stack, attempts and time of the last failure', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    const before = Date.now();
    const event = bus.emit(
      ShipmentDispatched,
      { shipmentId: 's-1' },
      { correlationId: 'corr-1', actorId: 'user-9' },
    );
    await events.flush();

    const letters = bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' });
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.event).toEqual(event);
    expect(letter.attempts).toBe(2);
    expect(letter.error.name).toBe('TypeError');
    expect(letter.error.message).toBe('carrier API is down');
    expect(letter.error.stack).toContain('notifyCarrier');
    expect(Date.parse(letter.failedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(letter.failedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(bus.deadLetters({ correlationId: 'corr-1', type: 'shipment.dispatched' })).toEqual([letter]);
  });

  it('uses the name option as the handler name', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    bus.emit('shipment.lost', { shipmentId: 's-2' });
    await events.flush();

    const [letter] = bus.deadLetters({ type: 'shipment.lost' });
    expect(letter).toMatchObject({ handler: 'lost-shipment-alert', attempts: 1 });
    expect(letter.error).toMatchObject({ name: 'RangeError', message: 'no one to alert' });
  });

  it('emits event.handler.failed exactly once per dead letter, never for failures of its own listeners', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    const event = bus.emit(
      ShipmentDispatched,
      { shipmentId: 's-3' },
      { correlationId: 'corr-3', actorId: 'user-1' },
    );
    await events.flush();

    const carrierLetter = bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' })[0];
    const failures = events.events(HandlerFailed);
    expect(failures).toHaveLength(1);
    const failed = events.expectEvent(HandlerFailed, {
      deadLetterId: carrierLetter.id,
      eventId: event.id,
      eventType: 'shipment.dispatched',
      handler: 'ShipmentListeners.notifyCarrier',
      error: 'carrier API is down',
      attempts: 2,
    });
    expect(failed).toMatchObject({
      correlationId: 'corr-3',
      causationId: event.id,
      actorId: 'user-1',
      severity: 'error',
    });

    // The failure listener failed on that event: a dead letter of its own, but no second event.handler.failed.
    expect(app.get(ShipmentListeners).calls.failures).toBe(1);
    expect(bus.deadLetters({ handler: 'ShipmentListeners.onHandlerFailed' })).toHaveLength(1);
    expect(bus.deadLetters()).toHaveLength(2);
  });

  it('never recurses when a listener on ** fails on everything, failure events included', async () => {
    ({ app, bus, events } = await start(FailEverythingAppModule));
    await events.flush();
    events.clear();
    const letters = bus.deadLetters().length; // system.startup already failed once
    bus.emit('order.created', { id: 1 });
    bus.emit('order.created', { id: 2 });
    await events.flush();

    // Each order: one dead letter, one event.handler.failed, and one dead letter for failing on that.
    expect(events.events('order.created')).toHaveLength(2);
    expect(events.events(HandlerFailed).map((e) => e.data.eventType)).toEqual([
      'order.created',
      'order.created',
    ]);
    expect(events.events()).toHaveLength(4);
    expect(bus.deadLetters().length - letters).toBe(4);
    expect(app.get(FailEverything).calls).toBeGreaterThanOrEqual(4);
  });

  it('replays a dead letter to the one handler that failed it', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    const listeners = app.get(ShipmentListeners);
    const event = bus.emit(ShipmentDispatched, { shipmentId: 's-4' });
    await events.flush();
    const letter = bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' })[0];
    expect(listeners.calls).toMatchObject({ notifyCarrier: 2, log: 1 });
    events.clear();

    listeners.carrierUp = true;
    const result = await bus.replayDeadLetter(letter.id);

    expect(result).toEqual({ event, handled: 1, failed: [] });
    expect(listeners.calls).toMatchObject({ notifyCarrier: 3, log: 1 });
    expect(bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' })).toEqual([]);
    // Replay is not a new emit: nothing is recorded again and no failure is announced.
    expect(events.events()).toEqual([]);
    await expect(bus.replayDeadLetter(letter.id)).rejects.toThrow(letter.id);
  });

  it('replays to the very subscription that failed, even when another instance shares its name', async () => {
    ({ app, bus, events } = await start(RegionsAppModule));
    const eu = app.select(EuModule).get(RegionalListener, { strict: true });
    const us = app.select(UsModule).get(RegionalListener, { strict: true });
    expect(eu).not.toBe(us);
    us.down = true;
    bus.emit('parcel.scanned', { parcel: 'p-1' });
    const [letter] = bus.deadLetters();
    expect(letter.handler).toBe('RegionalListener.onScanned');
    expect(letter.error.message).toBe('us is down');

    us.down = false;
    await bus.replayDeadLetter(letter.id);

    expect(us.handled).toEqual(['p-1']);
    expect(eu.handled).toEqual(['p-1']); // from the original emit only
  });

  it('records a new dead letter (and one new event.handler.failed) when the replay fails again', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    bus.emit(ShipmentDispatched, { shipmentId: 's-5' });
    await events.flush();
    const first = bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' })[0];
    events.clear();

    const result = await bus.replayDeadLetter(first.id);
    await events.flush();

    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ handler: 'ShipmentListeners.notifyCarrier', attempts: 2 });
    const again = bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' });
    expect(again).toHaveLength(1);
    expect(again[0].id).not.toBe(first.id);
    expect(again[0].event).toEqual(first.event);
    expect(events.events(HandlerFailed)).toHaveLength(1);
    events.expectEvent(HandlerFailed, { deadLetterId: again[0].id });
  });

  it('keeps a failing listener subscribed: later events still reach it', async () => {
    ({ app, bus, events } = await start(DeadLettersAppModule));
    const listeners = app.get(ShipmentListeners);
    for (let i = 0; i < 3; i++) bus.emit('shipment.lost', { i });
    await events.flush();
    expect(listeners.calls.alert).toBe(3);
    expect(bus.listenerCount('shipment.lost')).toBe(1);

    listeners.carrierUp = true;
    bus.emit(ShipmentDispatched, { shipmentId: 's-6' });
    bus.emit(ShipmentDispatched, { shipmentId: 's-7' });
    await events.flush();
    expect(bus.deadLetters({ handler: 'ShipmentListeners.notifyCarrier' })).toEqual([]);
  });

  it('bounds the dead-letter queue, evicting the oldest, while stats count them all', async () => {
    ({ app, bus, events } = await start(BoundedDeadLettersAppModule));
    const emitted = [1, 2, 3].map((n) => bus.emit('job.run', { n }));

    expect(bus.deadLetters().map((l) => l.event.id)).toEqual([emitted[1].id, emitted[2].id]);
    expect(bus.stats().deadLetters).toBe(3);
    expect(events.events(HandlerFailed)).toHaveLength(3);
  });
});

describe('whatever a listener does', () => {
  let app: INestApplication;
  const guard = guardEachTest(
    async () => {
      await app?.close();
    },
    { expectNone: false },
  );

  it('nothing reaches the emitter, other listeners or the process', async () => {
    let bus: EventBusService;
    let events: EventRecorder;
    ({ app, bus, events } = await start(MisbehavingAppModule));

    expect(() => bus.emit('chaos.sync', {})).not.toThrow();
    const result = await bus.emitAsync('chaos.async', {});
    await events.flush();
    // Let late rejections (after a timeout already failed the try) surface if anything leaked them.
    await delay(40);

    expect(guard.problems).toEqual([]);
    expect(app.get(MisbehavingListeners).healthy).toBe(2);
    expect(result.failed.map((f) => f.handler).sort()).toEqual(
      [
        'MisbehavingListeners.neverSettles',
        'MisbehavingListeners.rejectsAfterItsTimeout',
        'MisbehavingListeners.rejectsLater',
        'MisbehavingListeners.rejectsWithNull',
        'MisbehavingListeners.returnsObjectWithThrowingThenGetter',
        'MisbehavingListeners.returnsThenableThatThrows',
        'MisbehavingListeners.throwsBigInt',
        'MisbehavingListeners.throwsString',
        'MisbehavingListeners.throwsUndefined',
      ].sort(),
    );
    for (const failure of result.failed) expect(failure.error).toBeInstanceOf(Error);
    expect(result.failed.find((f) => f.handler.endsWith('throwsString'))?.error.message).toBe(
      'a plain string',
    );
    // Both emits: 9 failing handlers each, all dead-lettered and announced once.
    expect(bus.deadLetters({ type: 'chaos.sync' })).toHaveLength(9);
    expect(bus.deadLetters({ type: 'chaos.async' })).toHaveLength(9);
    expect(events.events('event.handler.failed')).toHaveLength(18);
    expect(bus.pending).toBe(0);
  });
});
