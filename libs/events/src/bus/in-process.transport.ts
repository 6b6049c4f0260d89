import type { BusEvent } from '../event/bus-event.interface';
import type {
  ConsumeOptions,
  DeliverInbound,
  EventTransport,
  InboundDelivery,
  SettleReport,
} from './ports/event-transport.port';

const SETTLED = Promise.resolve();
const NOTHING_SETTLED: SettleReport = Object.freeze({ retried: [], deadLettered: [] });

/**
 * The default `EventTransport`: nothing leaves the process. The bus runs every handler of a distributed event
 * at `emit()`, as for any other event, and never publishes through it; what is published anyway is handed to
 * this process's consumer once, with nothing to acknowledge.
 */
export class InProcessTransport implements EventTransport {
  readonly name = 'in-process';
  readonly remote = false;
  private deliver: DeliverInbound | undefined;
  private accepts: (type: string) => boolean = () => true;

  async publish(events: readonly BusEvent[]): Promise<void> {
    const deliver = this.deliver;
    if (deliver === undefined) {
      throw new Error(
        'InProcessTransport.publish() was called before consume(): nothing would receive the events.',
      );
    }
    for (const event of events) if (this.accepts(event.type)) await deliver(inbound(event));
  }

  consume(deliver: DeliverInbound, options: ConsumeOptions): Promise<void> {
    this.deliver = deliver;
    this.accepts = options.accepts;
    return SETTLED;
  }

  close(): Promise<void> {
    this.deliver = undefined;
    return SETTLED;
  }
}

function inbound(event: BusEvent): InboundDelivery {
  return { event, attempt: 1, settle: () => Promise.resolve(NOTHING_SETTLED) };
}
