import type { BusEvent } from '../event/bus-event.interface';
import { EventPublisher } from './event-publisher';
import { InFlight } from './in-flight';
import type { EventTransport } from './ports/event-transport.port';

const event = (id: string) => ({ id, type: 'order.placed' }) as BusEvent;

/** A transport that records each publish() call and fails while `down` is set. */
function recordingTransport() {
  const batches: string[][] = [];
  const transport = {
    name: 'recording',
    remote: true,
    down: false,
    async publish(events: readonly BusEvent[]) {
      if (transport.down) throw new Error('broker unreachable');
      batches.push(events.map((e) => e.id));
    },
    consume: async () => undefined,
    close: async () => undefined,
  };
  return { transport: transport as EventTransport & { down: boolean }, batches };
}

describe('EventPublisher', () => {
  it('sends the events of one synchronous run in one publish() call, and the next run in another', async () => {
    const { transport, batches } = recordingTransport();
    const publisher = new EventPublisher(transport, new InFlight(), () => undefined);
    publisher.enqueue(event('1'));
    publisher.enqueue(event('2'));
    const outcome = publisher.publish(event('3'));
    expect(batches).toEqual([]);
    expect(await outcome).toBe(true);
    publisher.enqueue(event('4'));
    await publisher.flushed();
    expect(batches).toEqual([['1', '2', '3'], ['4']]);
    expect(publisher.published).toBe(4);
  });

  it('counts a batch in flight until the transport has it, so drain() waits for it', async () => {
    const { transport } = recordingTransport();
    const inFlight = new InFlight();
    const publisher = new EventPublisher(transport, inFlight, () => undefined);
    publisher.enqueue(event('1'));
    await Promise.resolve();
    expect(inFlight.size).toBe(1);
    await publisher.flushed();
    expect(inFlight.size).toBe(0);
  });

  it('reports each event of a failed batch as lost and resolves its waiters with false, never rejecting', async () => {
    const { transport } = recordingTransport();
    transport.down = true;
    const lost: [string, string][] = [];
    const publisher = new EventPublisher(transport, new InFlight(), (e, error) =>
      lost.push([e.id, (error as Error).message]),
    );
    publisher.enqueue(event('1'));
    expect(await publisher.publish(event('2'))).toBe(false);
    expect(lost).toEqual([
      ['1', 'broker unreachable'],
      ['2', 'broker unreachable'],
    ]);
    expect(publisher.lost).toBe(2);
    transport.down = false;
    expect(await publisher.publish(event('3'))).toBe(true);
  });
});
