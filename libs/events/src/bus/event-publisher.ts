import type { BusEvent } from '../event/bus-event.interface';
import type { EventTraceContext } from '../event/event.codec';
import type { EventPublishing } from './dispatcher';
import type { InFlight } from './in-flight';
import type { BusTelemetry } from './ports/bus-telemetry.port';
import type { EventTransport } from './ports/event-transport.port';

type Traces = (EventTraceContext | undefined)[];

/** Told of each event a transport could not take; the bus logs, counts and announces the loss. */
export type PublishLost = (event: BusEvent, error: unknown) => void;

/**
 * Hands distributed events to the transport, in one `publish()` per microtask turn: the events emitted in one
 * synchronous run go out as one batch (one pipeline for Redis). A batch in flight counts for `drain()`. With
 * telemetry, each event's trace context is read as it is queued (in its emitter's context) and sent beside it.
 */
export class EventPublisher implements EventPublishing {
  private batch: BusEvent[] = [];
  /** The batch's trace contexts, index for index; made only once some event has one. */
  private traces: Traces | undefined;
  /** Settles with the current batch's outcome; made only when an emitter waits for it. */
  private outcome: Promise<boolean> | undefined;
  private settleOutcome: ((published: boolean) => void) | undefined;
  private scheduled = false;
  private readonly sending = new Set<Promise<boolean>>();
  /** Events the transport took, and events lost. */
  published = 0;
  lost = 0;

  constructor(
    private readonly transport: EventTransport,
    private readonly inFlight: InFlight,
    private readonly onLost: PublishLost,
    private readonly telemetry?: BusTelemetry,
  ) {}

  enqueue(event: BusEvent): void {
    this.batch.push(event);
    const telemetry = this.telemetry;
    if (telemetry?.inject !== undefined && telemetry.active()) this.addTrace(telemetry.inject(event));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  publish(event: BusEvent): Promise<boolean> {
    this.enqueue(event);
    this.outcome ??= new Promise<boolean>((settle) => (this.settleOutcome = settle));
    return this.outcome;
  }

  /**
   * Publishes `event` on its own for a caller that keeps it until the transport has it (the outbox relay):
   * resolves once the transport took it, rejects with the transport's error otherwise, announcing no loss.
   */
  async publishKept(event: BusEvent, trace: EventTraceContext | undefined): Promise<void> {
    this.inFlight.start();
    try {
      await this.transmit([event], trace === undefined ? undefined : [trace]);
      this.published++;
    } finally {
      this.inFlight.finish();
    }
  }

  /** Sends what is queued now and resolves once every batch sent so far has settled. */
  async flushed(): Promise<void> {
    if (this.batch.length > 0) this.flush();
    await Promise.all([...this.sending]);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const events = this.batch;
    if (events.length === 0) return;
    const settle = this.settleOutcome;
    const traces = this.traces;
    this.batch = [];
    this.traces = undefined;
    this.outcome = undefined;
    this.settleOutcome = undefined;
    this.inFlight.start();
    const sending = this.send(events, traces).then((published) => {
      this.sending.delete(sending);
      this.inFlight.finish();
      settle?.(published);
      return published;
    });
    this.sending.add(sending);
  };

  private addTrace(trace: EventTraceContext | undefined): void {
    if (this.traces === undefined) {
      if (trace === undefined) return;
      this.traces = new Array<EventTraceContext | undefined>(this.batch.length - 1).fill(undefined);
    }
    this.traces.push(trace);
  }

  /** Hands `events` to the transport (inside the telemetry's `aroundPublish` when it has one); throws its error. */
  private async transmit(events: readonly BusEvent[], traces: Traces | undefined): Promise<void> {
    const telemetry = this.telemetry;
    if (telemetry?.aroundPublish === undefined) await this.transport.publish(events, traces);
    else {
      const all = traces ?? events.map(() => undefined);
      await telemetry.aroundPublish(events, all, () => this.transport.publish(events, traces));
    }
  }

  private async send(events: readonly BusEvent[], traces: Traces | undefined): Promise<boolean> {
    try {
      await this.transmit(events, traces);
      this.published += events.length;
      return true;
    } catch (error) {
      this.lost += events.length;
      for (const event of events) this.onLost(event, error);
      return false;
    }
  }
}
