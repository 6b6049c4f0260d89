import { Injectable } from '@nestjs/common';
import { OnEvent, type BusEvent } from 'nestjs-event-bus';
import { InMemoryBroker, InMemoryTransport } from 'nestjs-event-bus/testing';
import { until } from '../support/wait';
import { OrderPlaced, startService, type ServiceInstance } from './fixtures/services.fixture';

/** Fails with an error that quotes secrets, as a careless payment client would. */
@Injectable()
class LeakyBilling {
  @OnEvent(OrderPlaced, { name: 'billing.charge' })
  charge(event: BusEvent<{ orderId: string }>): void {
    throw new Error(
      `card declined for ${event.data.orderId}: cvv=123 Authorization: Bearer sk_live_abcdef123456`,
    );
  }
}

describe('a handler failure dead-lettered by the transport', () => {
  const instances: ServiceInstance[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0).reverse()) await instance.close();
  });

  it('reaches the transport dead letter with its secrets redacted, as the bus keeps its own (report F4)', async () => {
    const broker = new InMemoryBroker();
    const options = { broker, redelivery: { attempts: 1, delayMs: 10 } };
    instances.push(await startService('orders', new InMemoryTransport(options), []));
    const billing = await startService('billing', new InMemoryTransport(options), [LeakyBilling]);
    instances.push(billing);
    instances[0].bus.emit(OrderPlaced, { orderId: 'o-1' });
    await until(() => billing.bus.deadLetters().length === 1, 5000);
    const [letter] = billing.bus.deadLetters();
    expect(letter.handler).toBe('billing.charge');
    expect(letter.error.message).toBe(
      'card declined for o-1: cvv=[REDACTED] Authorization: Bearer [REDACTED]',
    );
    expect(letter.error.stack ?? '').not.toContain('sk_live');
  });
});
