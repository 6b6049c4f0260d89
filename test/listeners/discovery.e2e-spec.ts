import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import {
  AliasAppModule,
  BigSpenderListener,
  DiscoveryAppModule,
  FACTORY_LISTENER,
  FactoryMadeListener,
  ImplicitlyScopedListener,
  InstanceTracker,
  InvoiceAuditor,
  InvoicePaid,
  InvoicesController,
  InvoiceSent,
  REFUNDS,
  RefundListener,
  StackedListener,
} from './fixtures/discovery.fixture';

describe('@OnEvent discovery', () => {
  let app: INestApplication;
  let bus: EventBusService;
  let events: EventRecorder;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [DiscoveryAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    bus = app.get(EventBusService);
    events = EventRecorder.attach(app);
  });
  afterEach(() => app.close());

  it('subscribes every stacked decorator and every pattern of an array, in the order written', async () => {
    bus.emit(InvoiceSent, { invoiceId: 'i-1', total: 12 });
    bus.emit(InvoicePaid, { invoiceId: 'i-1' });
    bus.emit('invoice.voided', { invoiceId: 'i-2' });
    bus.emit('credit-note.issued', { id: 'c-1' });
    bus.emit('credit-note.issued.twice', { id: 'c-2' }); // `*` is one segment: not matched
    await events.flush();

    expect(app.get(StackedListener).received).toEqual([
      'invoice.sent',
      'typed:12.00',
      'invoice.paid',
      'invoice.voided',
      'credit-note.issued',
    ]);
  });

  it('names handlers ClassName.method, or by the name option, per decorator', () => {
    bus.emit(InvoiceSent, { invoiceId: 'i-1', total: 1 });
    bus.emit(InvoicePaid, { invoiceId: 'i-1' });
    const names = Object.keys(bus.stats().handlers);
    expect(names).toEqual(
      expect.arrayContaining([
        'StackedListener.onInvoiceEvent',
        'payments',
        'StackedListener.typed',
        'InvoicesController.remember',
        'InvoiceAuditor.audit',
        'FactoryMadeListener.onSent',
        'PerEventListener.onPaid',
      ]),
    );
  });

  it('delivers to a controller method, which keeps serving HTTP', async () => {
    bus.emit(InvoiceSent, { invoiceId: 'i-7', total: 7 });
    expect(app.get(InvoicesController).sent).toEqual(['i-7']);

    await app.listen(0, '127.0.0.1');
    const response = await fetch(`${await app.getUrl()}/invoices/sent`);
    expect(await response.json()).toEqual(['i-7']);
  });

  it('finds listeners inherited from a base class and on factory-made providers', () => {
    bus.emit(InvoiceSent, { invoiceId: 'i-3', total: 3 });
    bus.emit('invoice.voided', {});
    expect(app.get(InvoiceAuditor).audited).toEqual(['invoice.sent', 'invoice.voided']);
    expect(app.get<FactoryMadeListener>(FACTORY_LISTENER).seen).toEqual(['i-3']);
  });

  it('resolves a fresh instance of a request-scoped listener for every event, with the event as REQUEST', async () => {
    const tracker = app.get(InstanceTracker);
    const before = tracker.instancesCreated;
    const first = bus.emit(InvoicePaid, { invoiceId: 'i-1' });
    const second = bus.emit(InvoicePaid, { invoiceId: 'i-2' });
    const third = await bus.emitAsync(InvoicePaid, { invoiceId: 'i-3' });
    await events.flush();

    expect(third.failed).toEqual([]);
    expect(bus.deadLetters()).toEqual([]);
    expect(tracker.deliveries.map((d) => d.eventId)).toEqual([first.id, second.id, third.event.id]);
    expect(tracker.deliveries.map((d) => d.requestEventId)).toEqual([first.id, second.id, third.event.id]);
    const instances = tracker.deliveries.map((d) => d.instance);
    expect(new Set(instances).size).toBe(3);
    expect(tracker.instancesCreated - before).toBe(3);
  });

  it('subscribes a transient provider through a constructed instance of its own', () => {
    bus.emit('invoice.archived', {});
    bus.emit('invoice.archived', {});
    expect(bus.deadLetters()).toEqual([]);
    expect(app.get(InstanceTracker).transientCalls).toEqual([1, 2]);
  });

  it('resolves a request-scoped controller per event too', async () => {
    const tracker = app.get(InstanceTracker);
    bus.emit('invoice.archived', {});
    bus.emit('invoice.archived', {});
    await events.flush();

    expect(bus.deadLetters()).toEqual([]);
    expect(tracker.controllerInstances).toHaveLength(2);
    expect(new Set(tracker.controllerInstances).size).toBe(2);
  });

  it('applies the filter and once options given to the decorator', () => {
    bus.emit(InvoiceSent, { invoiceId: 'i-1', total: 50 });
    bus.emit(InvoiceSent, { invoiceId: 'i-2', total: 500 });
    bus.emit(InvoiceSent, { invoiceId: 'i-3', total: 900 });

    expect(app.get(BigSpenderListener).seen).toEqual([500]);
    expect(bus.stats().handlers['BigSpenderListener.onBigInvoice'].calls).toBe(1);
  });

  it('treats a provider depending on a request-scoped one as request-scoped too', async () => {
    const tracker = app.get(InstanceTracker);
    const before = tracker.instancesCreated;
    bus.emit('invoice.voided', {});
    bus.emit('invoice.voided', {});
    await events.flush();

    // Each delivery built the listener and, with it, a fresh PerEventListener.
    expect(tracker.instancesCreated - before).toBe(2);
    expect(bus.deadLetters()).toEqual([]);
    // The static (never used) instance Nest keeps for the class saw nothing.
    const staticInstance = await app.resolve(ImplicitlyScopedListener);
    expect(staticInstance.seen).toEqual([]);
  });
});

describe('@OnEvent discovery with useExisting aliases', () => {
  it('subscribes a provider once however many aliases stand for it: one delivery per event', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AliasAppModule] }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    try {
      const bus = app.get(EventBusService);
      bus.emit('invoice.refunded', { invoiceId: 'i-1' });
      await bus.emitAsync('invoice.refunded', { invoiceId: 'i-2' });

      expect(app.get(RefundListener).refunds).toEqual(['i-1', 'i-2']);
      // The aliases resolve to the same instance, which saw each event once.
      expect(app.get(REFUNDS)).toBe(app.get(RefundListener));
      expect(bus.listenerCount('invoice.refunded')).toBe(1);
      expect(bus.stats().handlers['RefundListener.onRefund'].calls).toBe(2);
    } finally {
      await app.close();
    }
  });
});
