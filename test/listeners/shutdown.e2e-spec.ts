import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusClosedError, EventBusService, SystemShutdown } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { ShortShutdownAppModule, ShutdownAppModule, SlowListeners } from './fixtures/shutdown.fixture';
import { CaptureLogger } from './support/capture-logger';

async function start(module: unknown, logger = new CaptureLogger()) {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger });
  await app.init();
  return {
    app,
    bus: app.get(EventBusService),
    events: EventRecorder.attach(app),
    listeners: app.get(SlowListeners),
  };
}

describe('shutdown', () => {
  it('refuses new dispatch once app.close() returned: emit() throws and emitAsync() rejects', async () => {
    const { app, bus, listeners } = await start(ShutdownAppModule);
    expect(bus.isClosed()).toBe(false);
    await app.close();
    expect(bus.isClosed()).toBe(true);
    const steps = listeners.steps.length;
    expect(() => bus.emit('report.requested', {})).toThrow(EventBusClosedError);
    await expect(bus.emitAsync('report.requested', {})).rejects.toThrow(EventBusClosedError);
    expect(listeners.steps).toHaveLength(steps);
  });

  it('emits system.shutdown, then drains a slow in-flight handler (and what it emits) before close() resolves', async () => {
    const { app, bus, events, listeners } = await start(ShutdownAppModule);
    bus.emit('report.requested', {});
    expect(listeners.steps).toEqual(['report started']);

    await app.close();

    events.expectEvent(SystemShutdown, { source: 'app', inFlight: 1 });
    expect(events.events().map((e) => e.type)).toEqual([
      'report.requested',
      'system.shutdown',
      'report.built',
    ]);
    // Nest destroys global modules (the events module is one) last: the listener's own module has run its
    // onModuleDestroy before the drain starts; beforeApplicationShutdown and onApplicationShutdown come after it.
    expect(listeners.steps).toEqual([
      'report started',
      'listener module: onModuleDestroy',
      'system.shutdown (1 in flight)',
      'report finished',
      'report mailed',
      'beforeApplicationShutdown',
      'onApplicationShutdown',
    ]);
    expect(bus.pending).toBe(0);
  });

  it('waits for a scheduled retry during the drain', async () => {
    const { app, bus, listeners } = await start(ShutdownAppModule);
    bus.emit('report.exported', {});
    expect(listeners.steps).toEqual(['export try 1']);

    await app.close();

    expect(listeners.steps.slice(0, 3)).toEqual([
      'export try 1',
      'listener module: onModuleDestroy',
      'system.shutdown (1 in flight)',
    ]);
    expect(listeners.steps).toContain('export try 2');
    expect(listeners.steps.indexOf('export try 2')).toBeLessThan(
      listeners.steps.indexOf('beforeApplicationShutdown'),
    );
    expect(bus.deadLetters()).toEqual([]);
  });

  it('stops waiting after shutdownTimeoutMs, logs how many did not finish, and still closes', async () => {
    const logger = new CaptureLogger();
    const { app, bus, listeners } = await start(ShortShutdownAppModule, logger);
    const requested = bus.emitAsync('archive.requested', {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(bus.pending).toBe(2); // the running archive, and the copy waiting to retry

    await app.close();

    expect(listeners.steps).toContain('onApplicationShutdown');
    expect(listeners.steps).not.toContain('archive finished');
    const warning = logger.fromBus('warn').find((line) => line.startsWith('Shutdown:'));
    expect(warning).toBe(
      'Shutdown: 2 handler(s) did not finish within 50 ms (1 of them waiting to retry, cancelled); closing anyway.',
    );
    // The cancelled retry never runs; the handler that kept running still finishes on its own, and the
    // emitAsync() caller is answered: never left hanging (an HTTP request awaiting it would block the close).
    listeners.gate.open();
    const result = await requested;
    expect(listeners.steps).toContain('archive finished');
    expect(bus.stats().handlers['SlowListeners.archiveCopy'].calls).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ handler: 'SlowListeners.archiveCopy', attempts: 1 });
    expect(result.failed[0].error.message).toBe('copy failed');
  });
});
