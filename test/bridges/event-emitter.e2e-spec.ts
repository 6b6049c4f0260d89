import { Test } from '@nestjs/testing';
import {
  AuditService,
  BridgeUnavailableError,
  MemoryAuditStore,
  type BusEvent,
  type EventsModuleOptions,
} from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { guardEachTest } from '../listeners/support/process-guard';
import {
  BridgeWithoutEmitterModule,
  Order,
  OrderMailer,
  OrdersService,
  OrderTimeline,
  ordersAppWithBus,
} from './fixtures/orders-event-emitter.fixture';
import { post, startBridgeApp, type StartedBridgeApp } from './support/bridge-app';

interface Started extends StartedBridgeApp {
  logs: CaptureLogger;
}

async function start(options: EventsModuleOptions): Promise<Started> {
  const logs = new CaptureLogger();
  return { ...(await startBridgeApp(ordersAppWithBus(options), logs)), logs };
}

describe('bridges.eventEmitter: an existing @nestjs/event-emitter app adds EventsModule', () => {
  let started: Started | undefined;

  guardEachTest(async () => {
    await started?.app.close();
    started = undefined;
  });

  it('records EventEmitter2 events with the request correlation id in history, audit, metrics and @OnEvent listeners', async () => {
    started = await start({
      bridges: { eventEmitter: true },
      metrics: { endpoint: '/metrics' },
      audit: { store: new MemoryAuditStore(), include: ['order.**'] },
    });
    const { app, url, bus, events } = started;

    const response = await post(`${url}/orders`, { items: ['book', 'pen'] }, 'req-orders-1');
    expect(response.status).toBe(201);
    await events.flush();

    // The existing listener is untouched: called once, with the very object the service emitted.
    const mailer = app.get(OrderMailer);
    expect(mailer.created).toHaveLength(1);
    expect(mailer.created[0]).toBeInstanceOf(Order);

    const recorded = bus.history({ type: 'order.created' });
    expect(recorded).toHaveLength(1);
    const [event] = recorded;
    expect(event).toMatchObject({
      type: 'order.created',
      correlationId: 'req-orders-1',
      data: { id: 'o-1', items: ['book', 'pen'], placedAt: '2026-03-04T05:06:07.000Z' },
      metadata: { bridge: 'event-emitter' },
    });
    expect(bus.history({ correlationId: 'req-orders-1', type: 'order.**' })).toEqual([event]);

    const timeline = app.get(OrderTimeline);
    expect(timeline.events).toEqual([event]);

    const audit = app.get(AuditService);
    await audit.flush();
    const { records } = await audit.query({ correlationId: 'req-orders-1' });
    expect(records.filter((r) => r.type.startsWith('order.'))).toEqual([
      expect.objectContaining({ eventId: event.id, type: 'order.created', data: event.data }),
    ]);
    expect(await audit.verify()).toMatchObject({ ok: true });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/events_emitted_total\{[^}]*type="order\.created"[^}]*\} 1/);
  });

  it('turns event names that are not dotted lowercase types into types, keeping the original name', async () => {
    started = await start({ bridges: { eventEmitter: true } });
    const { app, url, bus, events } = started;

    expect((await post(`${url}/orders/o-7/ship`, {}, 'req-ship-1')).status).toBe(204);
    await events.flush();

    expect(app.get(OrderMailer).shipped).toEqual([{ id: 'o-7', carrier: 'dhl' }]);
    expect(bus.history({ type: 'order.shipped' })).toEqual([
      expect.objectContaining({
        data: { id: 'o-7', carrier: 'dhl' },
        correlationId: 'req-ship-1',
        metadata: { bridge: 'event-emitter', eventName: 'orderShipped' },
      }),
    ]);
  });

  it('skips a payload that is not JSON data with one warning, never failing the emitter or its listeners', async () => {
    started = await start({ bridges: { eventEmitter: true } });
    const { app, bus, logs } = started;
    const orders = app.get(OrdersService);

    expect(() => orders.emitCyclic('o-1')).not.toThrow();
    expect(() => orders.emitCyclic('o-2')).not.toThrow();

    expect(app.get(OrderMailer).cyclic).toHaveLength(2);
    expect(bus.history({ type: 'order.cyclic' })).toEqual([]);
    const warnings = logs.fromBus('warn').filter((line) => line.includes('order.cyclic'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('circular reference');
  });

  it('records nothing from EventEmitter2 while the bridge is off', async () => {
    started = await start({});
    const { app, bus, events } = started;

    app.get(OrdersService).place(['cup']);
    await events.flush();

    expect(app.get(OrderMailer).created).toHaveLength(1);
    expect(bus.history({ type: 'order.**' })).toEqual([]);
    expect(app.get(OrderTimeline).events).toEqual([]);
  });

  it('keeps working when the emitter is used inside EventContext-less code: a generated correlation id', async () => {
    started = await start({ bridges: { eventEmitter: true } });
    const { app, bus, events } = started;

    app.get(OrdersService).place(['lamp']);
    app.get(OrdersService).place(['desk']);
    await events.flush();

    const recorded: BusEvent[] = bus.history({ type: 'order.created' });
    expect(recorded).toHaveLength(2);
    expect(recorded[0].correlationId).toBe(recorded[0].id);
    expect(recorded[1].correlationId).toBe(recorded[1].id);
  });

  it('fails at startup, saying what to import, when the app has no EventEmitterModule', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BridgeWithoutEmitterModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const init = app.init();
    await expect(init).rejects.toThrow(BridgeUnavailableError);
    await expect(init).rejects.toThrow(/EventEmitterModule\.forRoot\(\)/);
    await app.close();
  });

  it('leaves the emitter as it was after the app closes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ordersAppWithBus({ bridges: { eventEmitter: true } })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const emitter = app.get(OrdersService)['emitter'];
    expect(Object.prototype.hasOwnProperty.call(emitter, 'emit')).toBe(true);
    await app.close();
    expect(Object.prototype.hasOwnProperty.call(emitter, 'emit')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(emitter, 'emitAsync')).toBe(false);
  });
});
