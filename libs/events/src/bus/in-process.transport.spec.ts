import type { BusEvent } from '../event/bus-event.interface';
import { InProcessTransport } from './in-process.transport';
import type { InboundDelivery } from './ports/event-transport.port';

const event = (id: string) => ({ id, type: 'a.b' }) as BusEvent;

describe('InProcessTransport', () => {
  it('hands each published event it accepts to the consumer once, in order, and waits for it', async () => {
    const transport = new InProcessTransport();
    const seen: InboundDelivery[] = [];
    let finished = 0;
    await transport.consume(
      async (delivery) => {
        seen.push(delivery);
        await Promise.resolve();
        finished++;
        await delivery.settle([]);
      },
      { group: 'svc', accepts: (type) => type !== 'c.d' },
    );
    await transport.publish([event('1'), { id: '3', type: 'c.d' } as BusEvent, event('2')]);
    expect(seen.map((d) => d.event.id)).toEqual(['1', '2']);
    expect(seen.every((d) => d.attempt === 1)).toBe(true);
    expect(finished).toBe(2);
  });

  it('refuses to publish with no consumer, saying why', async () => {
    const transport = new InProcessTransport();
    await expect(transport.publish([event('1')])).rejects.toThrow(/before consume\(\)/);
    await transport.consume(async () => undefined, { group: 'svc', accepts: () => true });
    await transport.close();
    await expect(transport.publish([event('2')])).rejects.toThrow(/before consume\(\)/);
  });
});
