import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { delay } from '../support/wait';
import { guardEachTest } from '../listeners/support/process-guard';
import { BusSpy, ForwardingAppModule, InvoiceMailer } from './fixtures/forwarding.fixture';

const DOMAIN = /^(invoice|order|ticket)\./;

describe('bridges.eventEmitter.forwardToEventEmitter: both ways, each event once, no loop', () => {
  let app: INestApplication;
  let bus: EventBusService;
  let emitter: EventEmitter2;
  let context: EventContext;
  let events: EventRecorder;
  /** Every name EventEmitter2 delivered to its listeners (onAny sees exactly what they get). */
  let delivered: string[];

  guardEachTest(() => app.close());
  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ForwardingAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    events = EventRecorder.attach(app);
    await app.init();
    bus = app.get(EventBusService);
    emitter = app.get(EventEmitter2);
    context = app.get(EventContext);
    delivered = [];
    emitter.onAny((name) => delivered.push(String(name)));
  });

  const recordedTypes = () =>
    bus
      .history()
      .map((e) => e.type)
      .filter((t) => DOMAIN.test(t));
  const busDelivered = () =>
    app
      .get(BusSpy)
      .events.map((e) => e.type)
      .filter((t) => DOMAIN.test(t));

  it('delivers a bus event to EventEmitter2 listeners once, in the event context, without recording it again', async () => {
    const event = context.run(() => bus.emit('invoice.sent', { invoiceId: 'i-1' }), {
      correlationId: 'corr-fwd-1',
    });
    await events.flush();

    expect(app.get(InvoiceMailer).invoices).toEqual([
      { payload: { invoiceId: 'i-1' }, correlationId: 'corr-fwd-1' },
    ]);
    expect(delivered).toEqual(['invoice.sent']);
    expect(recordedTypes()).toEqual(['invoice.sent']);
    expect(bus.history({ type: 'invoice.sent' })).toEqual([event]);
    expect(busDelivered()).toEqual(['invoice.sent']);
  });

  it('records an EventEmitter2 event once and does not forward it back', async () => {
    context.run(() => emitter.emit('order.created', { orderId: 'o-1' }), { correlationId: 'corr-fwd-2' });
    await events.flush();

    expect(delivered).toEqual(['order.created']);
    expect(recordedTypes()).toEqual(['order.created']);
    expect(bus.history({ type: 'order.created' })[0]).toMatchObject({
      correlationId: 'corr-fwd-2',
      metadata: { bridge: 'event-emitter' },
    });
    expect(busDelivered()).toEqual(['order.created']);
  });

  it('follows a chain across both libraries with each event delivered once to each side', async () => {
    // ticket.opened (EventEmitter2) -> TicketTriage emits ticket.triaged on the bus
    // -> TicketRouter (@OnEvent) emits ticket.assigned through EventEmitter2.
    context.run(() => emitter.emit('ticket.opened', { ticket: 't-1' }), { correlationId: 'corr-chain' });
    await events.flush();

    expect(delivered).toEqual(['ticket.opened', 'ticket.triaged', 'ticket.assigned']);
    expect(recordedTypes()).toEqual(['ticket.opened', 'ticket.triaged', 'ticket.assigned']);
    // (Order here depends on listener order: TicketRouter gets ticket.triaged before BusSpy does.)
    expect(busDelivered().sort()).toEqual(['ticket.assigned', 'ticket.opened', 'ticket.triaged']);

    const [opened, triaged, assigned] = bus.history({ correlationId: 'corr-chain' });
    expect([opened.type, triaged.type, assigned.type]).toEqual([
      'ticket.opened',
      'ticket.triaged',
      'ticket.assigned',
    ]);
    // ticket.assigned was emitted inside our handler of ticket.triaged, so it is caused by it.
    expect(assigned.causationId).toBe(triaged.id);
    expect(assigned.metadata).toEqual({ bridge: 'event-emitter', causationDepth: 1 });
    expect(triaged.metadata).toEqual({});
  });

  it('turns a throwing EventEmitter2 listener of a forwarded event into a dead letter, not an emitter error', async () => {
    emitter.on('invoice.voided', () => {
      throw new Error('legacy listener broke');
    });

    const event = bus.emit('invoice.voided', { invoiceId: 'i-9' });
    await events.flush();

    expect(bus.deadLetters({ type: 'invoice.voided' })).toEqual([
      expect.objectContaining({
        event,
        handler: 'EventEmitterBridge.forward',
        error: expect.objectContaining({ message: 'legacy listener broke' }),
      }),
    ]);
  });

  it('stays quiet after a burst: the number of events does not grow on its own', async () => {
    for (let i = 0; i < 20; i++) {
      emitter.emit('order.created', { orderId: `o-${i}` });
      bus.emit('invoice.sent', { invoiceId: `i-${i}` });
    }
    await events.flush();
    const count = recordedTypes().length;
    await delay(50);
    await events.flush();

    expect(count).toBe(40);
    expect(recordedTypes()).toHaveLength(40);
    expect(delivered.filter((n) => DOMAIN.test(n))).toHaveLength(40);
  });
});
