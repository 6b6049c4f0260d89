import type { BusEvent } from '../event/bus-event.interface';
import type { DeliverInbound, EventTransport, InboundDelivery } from './ports/event-transport.port';

const SETTLED = Promise.resolve();

/**
 * The default `EventTransport`: nothing leaves the process. What is published is handed straight to this
 * process's consumer, once, and acknowledging it costs nothing.
 */
export class InProcessTransport implements EventTransport {
  readonly name = 'in-process';
  private deliver: DeliverInbound | undefined;

  async publish(events: readonly BusEvent[]): Promise<void> {
    const deliver = this.deliver;
    if (deliver === undefined) {
      throw new Error(
        'InProcessTransport.publish() was called before consume(): nothing would receive the events.',
      );
    }
    for (const event of events) await deliver(inbound(event));
  }

  consume(deliver: DeliverInbound): Promise<void> {
    this.deliver = deliver;
    return SETTLED;
  }

  close(): Promise<void> {
    this.deliver = undefined;
    return SETTLED;
  }
}

function inbound(event: BusEvent): InboundDelivery {
  return { event, attempt: 1, ack: () => SETTLED, retryIn: () => SETTLED };
}
