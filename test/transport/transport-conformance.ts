import { compilePattern } from '../../libs/events/src/bus/pattern-matcher';
import type { EventTransport } from 'nestjs-event-bus';
import { until } from '../support/wait';
import {
  BillingListeners,
  CartViewed,
  OrderListeners,
  OrderPlaced,
  OrderPlacedV2,
  PatternListeners,
  ShippingListeners,
  startService,
  type ServiceInstance,
} from './fixtures/services.fixture';

/** What a transport under test offers the suite. */
export interface TransportHarness {
  /** A new transport for one instance of a service; every transport of one suite run reaches the others. */
  transport(service: string): EventTransport;
  /** Durable retry rounds the transports are made with (each round runs the handler's in-process attempts). */
  readonly redeliveryAttempts: number;
  /** Stops what the harness started (after every instance closed). */
  teardown?(): Promise<void>;
}

const WAIT_MS = 10_000;

/** Runs `run` in a context with these ids, as a request would. */
function inRequest<T>(
  instance: ServiceInstance,
  ids: { correlationId: string; actorId: string },
  run: () => T,
): T {
  return instance.context.run(run, ids);
}

/**
 * One behaviour suite for every remote transport (the Watermill idea): publish and consume, fan-out across
 * services, sharing within one, local handlers, wildcard parity with the in-process matcher, the exact JSON round
 * trip, schema versions, durable retries, dead letters and replay.
 */
export function describeTransportConformance(name: string, makeHarness: () => TransportHarness): void {
  describe(`${name} transport conformance`, () => {
    let harness: TransportHarness;
    let running: ServiceInstance[] = [];

    const start = async (
      service: string,
      listeners: Parameters<typeof startService>[2],
      extra?: Parameters<typeof startService>[3],
    ): Promise<ServiceInstance> => {
      const instance = await startService(service, harness.transport(service), listeners, extra);
      running.push(instance);
      return instance;
    };

    beforeEach(() => {
      harness = makeHarness();
      running = [];
    });
    afterEach(async () => {
      for (const instance of running.reverse()) await instance.close();
      await harness.teardown?.();
    });

    it('runs local handlers at emit and the others once per service, in a context restored from the event', async () => {
      const orders = await start('orders', [OrderListeners]);
      const billing = await start('billing', [BillingListeners]);
      const shipping = await start('shipping', [ShippingListeners]);

      const event = inRequest(orders, { correlationId: 'req-1', actorId: 'ada' }, () =>
        orders.bus.emit(OrderPlaced, { orderId: 'o-1' }),
      );
      // The local handler ran inside emit(); nothing else has yet.
      expect(orders.recorder.by('orders.local').map((s) => s.event.id)).toEqual([event.id]);

      const handlersOfTheEvent = [
        [orders, 'orders.remote'],
        [billing, 'billing.invoice'],
        [billing, 'billing.audit'],
        [shipping, 'shipping.pack'],
      ] as const;
      // Each service reads on its own: one having handled the event says nothing of the others.
      await until(
        () =>
          handlersOfTheEvent.every(([instance, handler]) => instance.recorder.by(handler).length > 0) &&
          shipping.recorder.by('shipping.invoice').length > 0,
        WAIT_MS,
      );
      for (const [instance, handler] of handlersOfTheEvent) {
        const seen = instance.recorder.by(handler);
        expect(seen).toHaveLength(1);
        expect(seen[0]).toMatchObject({ correlationId: 'req-1', causationId: event.id, actorId: 'ada' });
        expect(seen[0].event).toEqual(event);
      }
      // The event billing's handler emitted carries the request's ids on to a third service.
      const [drafted] = shipping.recorder.by('shipping.invoice');
      expect(drafted.event).toMatchObject({ correlationId: 'req-1', actorId: 'ada', source: 'billing' });
      expect(drafted.event.causationId).toBe(event.id);
      expect(orders.recorder.by('orders.local')).toHaveLength(1);
    });

    it('shares one service’s events among its instances: each handled once in all', async () => {
      const orders = await start('orders', [OrderListeners]);
      const first = await start('billing', [BillingListeners]);
      const second = await start('billing', [BillingListeners]);
      const ids = Array.from(
        { length: 60 },
        (_, i) => orders.bus.emit(OrderPlaced, { orderId: `o-${i}` }).id,
      );

      const handled = () => [...first.recorder.by('billing.audit'), ...second.recorder.by('billing.audit')];
      await until(() => handled().length >= ids.length, WAIT_MS);
      await orders.bus.drain(WAIT_MS);
      expect(
        handled()
          .map((s) => s.event.id)
          .sort(),
      ).toEqual([...ids].sort());
      expect(first.recorder.by('billing.audit').length).toBeGreaterThan(0);
      expect(second.recorder.by('billing.audit').length).toBeGreaterThan(0);
    });

    it('keeps events that are not distributed in their process', async () => {
      const orders = await start('orders', [OrderListeners, BillingListeners]);
      const billing = await start('billing', [BillingListeners]);
      orders.bus.emit(CartViewed, { cartId: 'c-1' });
      const result = await orders.bus.emitAsync(OrderPlaced, { orderId: 'o-2' });
      expect(result.published).toBe(true);
      await until(() => billing.recorder.by('billing.audit').length === 1, WAIT_MS);
      expect(orders.recorder.by('billing.cart')).toHaveLength(1);
      expect(billing.recorder.by('billing.cart')).toHaveLength(0);
    });

    it('delivers exactly the types the in-process matcher selects for each wildcard pattern', async () => {
      const distributed = ['shop.**'];
      const emitter = await start('shop', [], { distributed });
      const listener = await start('patterns', [PatternListeners], { distributed });
      const types = ['shop.a', 'shop.b', 'shop.a.paid', 'shop.b.c.paid', 'shop.x.y.z', 'shops.a', 'shop'];
      for (const type of types) emitter.bus.emit(type, { type });
      const last = emitter.bus.emit('shop.end', {});

      await until(() => listener.recorder.by('pattern.deep').some((s) => s.event.id === last.id), WAIT_MS);
      await emitter.bus.drain(WAIT_MS);
      for (const [handler, pattern] of [
        ['pattern.one', 'shop.*'],
        ['pattern.deep', 'shop.**'],
        ['pattern.paid', 'shop.*.paid'],
      ]) {
        const matches = compilePattern(pattern);
        const expected = [...types, 'shop.end'].filter(
          (type) => matches(type) && compilePattern('shop.**')(type),
        );
        expect(listener.recorder.by(handler).map((s) => s.event.type)).toEqual(expected);
      }
    });

    it('carries the exact JSON: unicode, nesting, a 256 KiB payload, and each schema version', async () => {
      const orders = await start('orders', []);
      const billing = await start('billing', [BillingListeners]);
      const note = {
        text: 'naïve café — 日本語 — 🎉 — \u2028 — "quotes" \\ back',
        nested: { a: [1, 2.5, -0.125, null, true, { b: [[[]]] }], empty: {} },
        big: 'x'.repeat(256 * 1024),
      };
      const event = orders.bus.emit(OrderPlaced, { orderId: 'o-json', note });
      const v2 = orders.bus.emit(OrderPlacedV2, { orderId: 'o-v2', total: 12.5 });
      await until(() => billing.recorder.by('billing.audit').length === 2, WAIT_MS);
      const [first, second] = billing.recorder.by('billing.audit').map((s) => s.event);
      expect(JSON.stringify(first)).toBe(JSON.stringify(event));
      expect(second).toEqual(v2);
      expect(second.version).toBe(2);
    });

    it('retries a failing handler durably and runs only that handler again', async () => {
      const orders = await start('orders', []);
      const billing = await start('billing', [BillingListeners]);
      billing.recorder.failures.set('billing.audit', 1);
      const event = orders.bus.emit(OrderPlaced, { orderId: 'o-retry' });

      await until(() => billing.recorder.by('billing.audit').length === 2, WAIT_MS);
      await billing.bus.drain(WAIT_MS);
      expect(billing.recorder.by('billing.invoice')).toHaveLength(1);
      const [failed, retried] = billing.recorder.by('billing.audit');
      expect(retried.event).toEqual(event);
      expect(retried.at).toBeGreaterThan(failed.at);
      expect(billing.bus.deadLetters()).toEqual([]);
    });

    it('dead-letters a handler that fails every round, once, and announces it', async () => {
      const orders = await start('orders', []);
      const billing = await start('billing', [BillingListeners]);
      billing.recorder.failures.set('billing.audit', Number.MAX_SAFE_INTEGER);
      const announced = billing.bus.waitFor('event.handler.failed', { timeoutMs: WAIT_MS });
      const event = orders.bus.emit(OrderPlaced, { orderId: 'o-dead' });

      await announced;
      const letters = billing.bus.deadLetters();
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ handler: 'billing.audit', attempts: harness.redeliveryAttempts });
      expect(letters[0].event).toEqual(event);
      expect(letters[0].error.message).toBe('billing.audit failed on purpose');
      expect(billing.recorder.by('billing.audit')).toHaveLength(harness.redeliveryAttempts);
      expect(billing.recorder.by('billing.invoice')).toHaveLength(1);
    });

    it('replays a window to this service’s handlers, marked as a replay', async () => {
      const orders = await start('orders', []);
      const billing = await start('billing', [BillingListeners]);
      const from = new Date(Date.now() - 1);
      const event = orders.bus.emit(OrderPlaced, { orderId: 'o-replay' });
      await until(() => billing.recorder.by('billing.audit').length === 1, WAIT_MS);

      const { delivered } = await billing.bus.replay({ from, types: [OrderPlaced] });
      expect(delivered).toBe(1);
      await billing.bus.drain(WAIT_MS);
      const [live, replayed] = billing.recorder.by('billing.audit');
      expect(live.event.metadata.replay).toBeUndefined();
      expect(replayed.event).toEqual({ ...event, metadata: { ...event.metadata, replay: true } });
    });
  });
}
