import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import {
  CallLog,
  EXPECTED_ORDER,
  OrderPlaced,
  PrioritiesAppModule,
  TieredAppModule,
  TieredListeners,
} from './fixtures/priorities.fixture';

async function start(module: unknown): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('listener priorities across modules', () => {
  let app: INestApplication;
  afterEach(() => app?.close());

  it('runs higher priorities first, named levels and arbitrary numbers alike, ties in registration order', async () => {
    app = await start(PrioritiesAppModule);
    const events = EventRecorder.attach(app);

    app.get(EventBusService).emit(OrderPlaced, { orderId: 'o-1' });
    await events.flush();

    expect(app.get(CallLog).calls).toEqual(EXPECTED_ORDER);
    events.expectEvent(OrderPlaced, { orderId: 'o-1' });
  });

  it('keeps the same order for every emit, and for emitAsync', async () => {
    app = await start(PrioritiesAppModule);
    const bus = app.get(EventBusService);
    const log = app.get(CallLog);

    bus.emit(OrderPlaced, { orderId: 'o-1' });
    bus.emit(OrderPlaced, { orderId: 'o-2' });
    await bus.emitAsync(OrderPlaced, { orderId: 'o-3' });

    expect(log.calls).toEqual([...EXPECTED_ORDER, ...EXPECTED_ORDER, ...EXPECTED_ORDER]);
  });

  it('emitAsync() runs a priority tier to completion before the next one starts', async () => {
    app = await start(TieredAppModule);
    const result = await app.get(EventBusService).emitAsync('batch.closed', { id: 1 });

    expect(result.handled).toBe(3);
    expect(result.failed).toEqual([]);
    const steps = app.get(TieredListeners).steps;
    // Both HIGH handlers start together (one tier, concurrent); LOW waits for both to finish.
    expect(steps.slice(0, 2)).toEqual(['high started', 'other high started']);
    expect(steps.indexOf('low started')).toBe(steps.length - 1);
    expect(steps).toContain('high finished');
    expect(steps).toContain('other high finished');
  });
});
