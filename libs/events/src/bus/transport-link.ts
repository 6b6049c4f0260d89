import type { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { correlationLog } from '../context/correlation-log';
import type { BusEvent } from '../event/bus-event.interface';
import { deepFreeze } from '../event/json/json-payload';
import type { EmitResult, ReplayQuery } from './bus.interfaces';
import type { Dispatcher } from './dispatcher';
import type { EventPublisher } from './event-publisher';
import type { FailurePolicy } from './failure-policy';
import type { HandlerEntry } from './handler-registry';
import type { BusTotals } from './handler-runner';
import type { InFlight } from './in-flight';
import { compilePattern } from './pattern-matcher';
import type { BusTelemetry } from './ports/bus-telemetry.port';
import type {
  EventTransport,
  InboundDelivery,
  TransportDescription,
  TransportHealth,
  TransportStats,
} from './ports/event-transport.port';
import type { RouteTable } from './route-table';

/** What the link is built from. */
export interface TransportLinkParts {
  readonly transport: EventTransport;
  readonly publisher: EventPublisher;
  readonly routes: RouteTable;
  readonly dispatcher: Dispatcher;
  readonly failures: FailurePolicy;
  readonly totals: BusTotals;
  readonly inFlight: InFlight;
  readonly logger: Logger;
  /** The service's name: its consumer group. */
  readonly group: string;
  /** Tracing hooks, when configured: `aroundDelivery` wraps each delivery. */
  readonly telemetry?: BusTelemetry;
}

const NOTHING_RAN: Omit<EmitResult, 'event'> = Object.freeze({ handled: 0, failed: [] });

/**
 * The bus's side of a remote transport: starts consuming, runs each delivery's handlers (those not `local`,
 * minus any the transport says are done), settles the delivery with their failures, and tells of the dead
 * letters and retries the transport made of them. Also replays, and closes the transport at shutdown.
 */
export class TransportLink {
  private consuming = false;

  constructor(private readonly parts: TransportLinkParts) {}

  get transportName(): string {
    return this.parts.transport.name;
  }

  /** What the transport says about itself, when it says anything. */
  describe(): TransportDescription | undefined {
    return this.parts.transport.describe?.();
  }

  /** Starts consuming; rejects (with the transport's own error, naming the server) if it cannot. */
  async start(): Promise<void> {
    if (this.consuming) return;
    const { transport, group } = this.parts;
    await transport.consume(this.deliver, { group, accepts: (type) => this.accepts(type) });
    this.consuming = true;
  }

  /** Re-delivers what the transport still holds in a window to this service's handlers. */
  async replay(query: ReplayQuery): Promise<{ delivered: number }> {
    const { transport } = this.parts;
    if (transport.replay === undefined) {
      throw new Error(`replay(): the "${transport.name}" transport keeps no events to replay.`);
    }
    const from = replayTime('from', query?.from);
    const to = query.to === undefined ? new Date() : replayTime('to', query.to);
    if (from > to) throw new RangeError('replay(): `from` is later than `to`.');
    const wanted = query.types?.map((pattern) =>
      compilePattern(typeof pattern === 'string' ? pattern : pattern.type),
    );
    const accepts = (type: string): boolean =>
      (wanted === undefined || wanted.some((matches) => matches(type))) && this.accepts(type);
    return transport.replay({ from, to, accepts }, this.deliver);
  }

  /** The transport's figures with the publisher's own, or undefined when the transport keeps none. */
  async stats(): Promise<(TransportStats & { transport: string }) | undefined> {
    const { transport } = this.parts;
    const stats = await transport.stats?.();
    return stats && { ...stats, transport: transport.name };
  }

  /** The transport's health; a transport that reports none is up while it consumes. */
  async health(): Promise<TransportHealth & { transport: string }> {
    const { transport } = this.parts;
    const health = (await transport.health?.()) ?? { up: this.consuming, details: {} };
    return { ...health, transport: transport.name };
  }

  /** Sends what is waiting to be published, then closes the transport (it finishes what it has in hand). */
  async close(): Promise<void> {
    await this.parts.publisher.flushed();
    this.consuming = false;
    await this.parts.transport.close();
  }

  private accepts(type: string): boolean {
    try {
      return this.parts.routes.routeFor(type).inbound.length > 0;
    } catch {
      // A type this bus refuses (strict mode, say) has no handler here.
      return false;
    }
  }

  /** Counted in flight from arrival to settlement, so that `drain()` waits for a delivery's acknowledgement too. */
  private readonly deliver = async (delivery: InboundDelivery): Promise<void> => {
    const { inFlight, telemetry } = this.parts;
    inFlight.start();
    try {
      if (telemetry?.aroundDelivery === undefined) await this.handle(delivery);
      else await telemetry.aroundDelivery(delivery, () => this.handle(delivery));
    } finally {
      inFlight.finish();
    }
  };

  private async handle(delivery: InboundDelivery): Promise<void> {
    const event = delivery.replay === true ? markedReplay(delivery.event) : delivery.event;
    const handlers = this.handlersFor(delivery);
    const marks: Promise<void>[] = [];
    const markDone = delivery.markDone?.bind(delivery);
    const onSucceeded =
      markDone === undefined
        ? undefined
        : (handler: string) => marks.push(markDone(handler).catch((error) => this.markFailed(event, error)));
    const result =
      handlers.length === 0
        ? NOTHING_RAN
        : await this.parts.dispatcher.dispatchInbound(event, handlers, onSucceeded);
    await Promise.all(marks);
    const report = await delivery.settle(result.failed);
    const { failures, transport, totals, telemetry } = this.parts;
    for (const letter of report.deadLettered) failures.transportDeadLetter(letter, !transport.deadLetters);
    totals.retried += report.retried.length;
    for (const retry of report.retried) telemetry?.retryScheduled?.(event, retry);
    for (const { handler, attempt, delayMs } of report.retried) {
      this.parts.logger.warn(
        `Handler "${handler}" failed on "${event.type}" (${event.id}); delivery ${attempt} in ${delayMs} ms.`,
        ...correlationLog(event.correlationId),
      );
    }
  }

  private handlersFor(delivery: InboundDelivery): readonly HandlerEntry[] {
    let handlers = this.parts.routes.routeFor(delivery.event.type).inbound;
    const { handlers: only, done } = delivery;
    if (only !== undefined) handlers = handlers.filter((entry) => only.includes(entry.name));
    if (done !== undefined && done.size > 0) handlers = handlers.filter((entry) => !done.has(entry.name));
    return handlers;
  }

  private markFailed(event: BusEvent, error: unknown): void {
    this.parts.logger.warn(
      `Could not record a handler of "${event.type}" (${event.id}) as done: ${errorMessage(error)}; ` +
        'a redelivery may run it again.',
      ...correlationLog(event.correlationId),
    );
  }
}

function markedReplay(event: BusEvent): BusEvent {
  return deepFreeze({ ...event, metadata: { ...event.metadata, replay: true } });
}

function replayTime(name: string, value: unknown): Date {
  const time = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw new TypeError(`replay(): \`${name}\` must be a Date or an ISO date string.`);
  }
  return time;
}

/** The error of a call that needs a remote transport on a bus without one. */
export function noRemoteTransport(call: string): Error {
  return new Error(
    `${call} needs a remote transport (EventsModule.forRoot({ transport })); this bus has none.`,
  );
}
