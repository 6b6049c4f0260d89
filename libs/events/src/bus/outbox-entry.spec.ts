import { ClsServiceManager } from 'nestjs-cls';
import { CORRELATION_ID_KEY, type EventContextStore } from '../context/context.keys';
import { EventsConfigError } from '../errors/events-config.error';
import type { BusEvent } from '../event/bus-event.interface';
import { defineEvent } from '../event/event-definition';
import type { EventHandler } from './bus.interfaces';
import { EventBusService } from './event-bus.service';
import type {
  EventInbox,
  EventOutbox,
  OutboxBusSide,
  OutboxHealth,
  OutboxStats,
} from './ports/event-outbox.port';
import type { EventTransport } from './ports/event-transport.port';

const Signed = defineEvent<{ user: string; password?: string }>('user.signed');
const Shipped = defineEvent<{ id: string }>('order.shipped', { distributed: true });

/** An outbox that takes every event while `open` (as if in a transaction), keeping what it took. */
class TakingOutbox implements EventOutbox {
  open = true;
  bus!: OutboxBusSide;
  readonly taken: { event: BusEvent; store: EventContextStore | null }[] = [];

  attach(bus: OutboxBusSide): void {
    this.bus = bus;
  }
  capture(event: BusEvent, store: EventContextStore | null): boolean {
    if (this.open) this.taken.push({ event, store });
    return this.open;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async stats(): Promise<OutboxStats> {
    return { rows: 0, oldestAt: undefined, batches: 0, published: 0, failures: 0 };
  }
  async health(): Promise<OutboxHealth> {
    return { up: true, details: {} };
  }
}

function busWith(outbox: EventOutbox, options: ConstructorParameters<typeof EventBusService>[0] = {}) {
  return new EventBusService(options, undefined, undefined, undefined, undefined, undefined, outbox);
}

describe('the bus with an outbox', () => {
  it('hands an event built in a transaction to the outbox and dispatches nothing', async () => {
    const outbox = new TakingOutbox();
    const bus = busWith(outbox);
    const seen: string[] = [];
    bus.on(Signed, (e) => void seen.push(e.data.user));
    const event = bus.emit(Signed, { user: 'ann', password: 'hunter2' });
    const result = await bus.emitAsync(Signed, { user: 'bob' });
    expect(seen).toEqual([]);
    expect(bus.history()).toEqual([]);
    expect(bus.stats().emitted).toBe(0);
    expect(result).toEqual({ event: result.event, handled: 0, failed: [], deferred: true });
    // Validated, redacted and built as usual.
    expect(outbox.taken.map((t) => t.event)).toEqual([event, result.event]);
    expect(event.data.password).not.toBe('hunter2');
  });

  it("gives the outbox the emitter's context store, and dispatches as usual when it does not take the event", () => {
    const outbox = new TakingOutbox();
    const bus = busWith(outbox);
    const cls = ClsServiceManager.getClsService();
    cls.run(() => {
      cls.set(CORRELATION_ID_KEY, 'req-9');
      bus.emit(Signed, { user: 'ann' });
    });
    expect(outbox.taken[0].store?.[CORRELATION_ID_KEY]).toBe('req-9');
    outbox.open = false;
    const seen: string[] = [];
    bus.on(Signed, (e) => void seen.push(e.data.user));
    bus.emit(Signed, { user: 'bob' });
    expect(seen).toEqual(['bob']);
  });

  it('takes events emitted before startup completed instead of holding them', () => {
    const outbox = new TakingOutbox();
    const bus = new EventBusService({}, undefined, true, undefined, undefined, undefined, outbox);
    bus.emit(Signed, { user: 'early' });
    expect(bus.stats().held).toBe(0);
    expect(outbox.taken).toHaveLength(1);
  });

  it('asks nothing of the outbox while the bus is disabled', () => {
    const outbox = new TakingOutbox();
    const bus = busWith(outbox);
    bus.disable();
    bus.emit(Signed, { user: 'ann' });
    expect(outbox.taken).toEqual([]);
  });
});

describe("the bus's entry for committed events", () => {
  it("runs middleware, history and handlers once, in the event's context", async () => {
    const outbox = new TakingOutbox();
    const bus = busWith(outbox);
    const befores: string[] = [];
    const afters: number[] = [];
    bus.use({
      before: (e) => void befores.push(e.id),
      after: (_e, result) => void afters.push(result.handled),
    });
    const contexts: unknown[] = [];
    const cls = ClsServiceManager.getClsService();
    bus.on(Signed, () => void contexts.push(cls.get(CORRELATION_ID_KEY)));
    const event = bus.emit(Signed, { user: 'ann' }, { correlationId: 'req-1' });
    const result = await outbox.bus.deliver(event, 100);
    expect(result).toMatchObject({ handled: 1, failed: [] });
    expect(befores).toEqual([event.id]);
    expect(afters).toEqual([1]);
    expect(contexts).toEqual(['req-1']);
    expect(bus.history().map((e) => e.id)).toEqual([event.id]);
  });

  it('publishes a distributed event first, and rejects with nothing recorded when the transport refuses it', async () => {
    const outbox = new TakingOutbox();
    const published: string[] = [];
    let refuse = true;
    const transport: EventTransport = {
      name: 'test',
      remote: true,
      publish: async (events) => {
        if (refuse) throw new Error('broker down');
        published.push(...events.map((e) => e.id));
      },
      consume: async () => undefined,
      close: async () => undefined,
    };
    const bus = busWith(outbox, { transport });
    const ran: string[] = [];
    bus.on(Shipped, () => void ran.push('remote'));
    bus.on(Shipped, () => void ran.push('local'), { local: true });
    const event = bus.emit(Shipped, { id: 'o-1' });
    await expect(outbox.bus.deliver(event, 100)).rejects.toThrow('broker down');
    expect([ran, bus.history(), bus.stats().emitted]).toEqual([[], [], 0]);
    refuse = false;
    const result = await outbox.bus.deliver(event, 100);
    expect(result).toMatchObject({ handled: 1, published: true });
    expect(published).toEqual([event.id]);
    expect(ran).toEqual(['local']);
  });
});

describe('idempotent listeners', () => {
  it('are refused without an inbox, saying to turn the outbox on', () => {
    const bus = new EventBusService();
    expect(() => bus.on(Signed, () => undefined, { idempotent: true })).toThrow(EventsConfigError);
    expect(() => bus.on(Signed, () => undefined, { idempotent: true })).toThrow(/outbox: \{ store \}/);
    expect(() => bus.on(Signed, () => undefined, { idempotent: 'yes' as never })).toThrow(
      /Invalid listener option "idempotent": expected true or false/,
    );
  });

  it('run through the handler the inbox wraps them in', async () => {
    const wrapped: string[] = [];
    const inbox: EventInbox = {
      wrap: (handler: EventHandler, name: string) => (event) => {
        wrapped.push(name);
        return handler(event);
      },
    };
    const bus = new EventBusService(
      {},
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      inbox,
    );
    const seen: string[] = [];
    bus.on(Signed, (e) => void seen.push(e.data.user), { idempotent: true, name: 'Mailer.welcome' });
    await bus.emitAsync(Signed, { user: 'ann' });
    expect([wrapped, seen]).toEqual([['Mailer.welcome'], ['ann']]);
  });
});
