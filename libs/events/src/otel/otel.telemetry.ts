import type { Attributes, Context, Link, Span, SpanContext } from '@opentelemetry/api';
import type { DeadLetter } from '../bus/bus.interfaces';
import type {
  AttemptTrace,
  BusTelemetry,
  HandlerAttempt,
  TelemetryBusInfo,
} from '../bus/ports/bus-telemetry.port';
import type { InboundDelivery } from '../bus/ports/event-transport.port';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventTraceContext } from '../event/event.codec';
import { IDLE_ATTEMPT, recordFailure, SpanAttemptTrace } from './attempt.trace';
import { ATTR, OWN_SYSTEM, SPAN_EVENT, type MessagingOperation } from './otel.attributes';
import type { OtelApi } from './otel.api';
import { spanContextOf, traceHeadersOf } from './trace-context';
import type { DelegatingProvider, TracerSource } from './tracer.source';

/** How a consumer's `process` span relates to the context its event was created in. */
export type TraceLinks = 'parent-and-link' | 'link-only';

/** What every bus of one `openTelemetry()` shares. */
export interface OtelSettings {
  readonly api: OtelApi;
  readonly source: TracerSource;
  readonly links: TraceLinks;
  /** Marks the context of an inbound delivery, so its handler attempts know they are inside one. */
  readonly deliveryKey: symbol;
}

/**
 * The OpenTelemetry hooks of one bus: a `create` span around each emit, the creation context injected into each
 * published event, a `send` span per publish, a consumer `process` span per inbound delivery (child of the
 * creation context and linked to it, or only linked), and a `process` span per handler attempt.
 */
export class OtelBusTelemetry implements BusTelemetry {
  private readonly api: OtelApi;
  private readonly transportSystem: string;
  // Read on every emit and attempt: kept as fields of this object rather than behind `settings`.
  private readonly proxy: DelegatingProvider | undefined;
  private readonly noop: unknown;

  constructor(
    private readonly settings: OtelSettings,
    private readonly bus: TelemetryBusInfo,
  ) {
    this.api = settings.api;
    this.transportSystem = bus.transport?.system ?? OWN_SYSTEM;
    this.proxy = settings.source.proxy;
    this.noop = settings.source.noop;
  }

  active(): boolean {
    return this.proxy === undefined || this.proxy.getDelegate() !== this.noop;
  }

  forBus(bus: TelemetryBusInfo): BusTelemetry {
    return new OtelBusTelemetry(this.settings, bus);
  }

  aroundEmit<R>(event: BusEvent, published: boolean, dispatch: () => R): R {
    if (!this.active()) return dispatch();
    const system = published ? this.transportSystem : OWN_SYSTEM;
    const parent = this.api.context.active();
    const span = this.start(
      `create ${event.type}`,
      'PRODUCER',
      parent,
      this.messageAttributes(event, 'create', system),
    );
    try {
      return this.api.context.with(this.api.trace.setSpan(parent, span), dispatch);
    } catch (error) {
      recordFailure(this.api, span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  inject(): EventTraceContext | undefined {
    if (!this.active()) return undefined;
    const context = this.api.trace.getSpanContext(this.api.context.active());
    return context && this.api.isSpanContextValid(context) ? traceHeadersOf(context) : undefined;
  }

  async aroundPublish(
    events: readonly BusEvent[],
    traces: readonly (EventTraceContext | undefined)[],
    publish: () => Promise<void>,
  ): Promise<void> {
    if (!this.active()) return publish();
    const first = events[0];
    const oneType = events.every((event) => event.type === first.type);
    const attributes: Attributes =
      events.length === 1
        ? this.messageAttributes(first, 'send', this.transportSystem)
        : this.operationAttributes('send', this.transportSystem);
    if (events.length > 1) attributes[ATTR.batchCount] = events.length;
    if (oneType) attributes[ATTR.destination] = first.type;
    const parent = this.api.context.active();
    // The creation contexts are the producer side's: each event's `create` span already made them.
    const span = this.start(oneType ? `send ${first.type}` : 'send', 'CLIENT', parent, attributes, {
      links: this.links(traces),
    });
    try {
      await this.api.context.with(this.api.trace.setSpan(parent, span), publish);
    } catch (error) {
      recordFailure(this.api, span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  async aroundDelivery(delivery: InboundDelivery, handle: () => Promise<void>): Promise<void> {
    if (!this.active()) return handle();
    const { event } = delivery;
    const created = spanContextOf(this.api, delivery.trace);
    const ambient = this.api.context.active();
    // A replay is new work on an old event: it belongs to whoever asked for it, linked to the event's creation.
    const replay = delivery.replay === true;
    const parented = created !== undefined && !replay && this.settings.links === 'parent-and-link';
    const parent = parented ? this.api.trace.setSpanContext(ambient, created) : ambient;
    const attributes = this.messageAttributes(event, 'process', this.transportSystem);
    attributes[ATTR.consumerGroup] = this.bus.service;
    attributes[ATTR.deliveryAttempt] = delivery.attempt;
    if (replay) attributes[ATTR.replay] = true;
    const span = this.start(`process ${event.type}`, 'CONSUMER', parent, attributes, {
      links: created ? [{ context: created }] : undefined,
      root: !parented && !replay,
    });
    const context = this.api.trace.setSpan(parent, span).setValue(this.settings.deliveryKey, true);
    try {
      await this.api.context.with(context, handle);
    } catch (error) {
      recordFailure(this.api, span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  startAttempt({ event, handler, attempt }: HandlerAttempt): AttemptTrace {
    if (!this.active()) return IDLE_ATTEMPT;
    const parent = this.api.context.active();
    const delivered = parent.getValue(this.settings.deliveryKey) === true;
    const attributes = this.messageAttributes(
      event,
      'process',
      delivered ? this.transportSystem : OWN_SYSTEM,
    );
    attributes[ATTR.handler] = handler;
    attributes[ATTR.attempt] = attempt;
    // Inside a delivery the consumer span is the delivery's; an event handled where it was emitted has none.
    const span = this.start(`process ${event.type}`, delivered ? 'INTERNAL' : 'CONSUMER', parent, attributes);
    return new SpanAttemptTrace(this.api, span, parent);
  }

  retryScheduled(event: BusEvent, retry: { handler: string; attempt: number; delayMs: number }): void {
    const span = this.activeSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT.retry, {
      [ATTR.handler]: retry.handler,
      [ATTR.attempt]: retry.attempt,
      [ATTR.retryDelayMs]: retry.delayMs,
    });
    span.setStatus({
      code: this.api.SpanStatusCode.ERROR,
      message: `handler ${retry.handler} failed on ${event.type}`,
    });
  }

  deadLettered(letter: DeadLetter): void {
    const span = this.activeSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT.deadLetter, {
      [ATTR.handler]: letter.handler,
      [ATTR.deadLetterId]: letter.id,
      [ATTR.attempt]: letter.attempts,
    });
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: letter.error.message });
    span.setAttribute(ATTR.errorType, letter.error.name || '_OTHER');
  }

  /** The active span when it records (inside a delivery: its `process` span). */
  private activeSpan(): Span | undefined {
    if (!this.active()) return undefined;
    const span = this.api.trace.getActiveSpan();
    return span?.isRecording() ? span : undefined;
  }

  private start(
    name: string,
    kind: 'PRODUCER' | 'CLIENT' | 'CONSUMER' | 'INTERNAL',
    parent: Context,
    attributes: Attributes,
    extra?: { links?: Link[]; root?: boolean },
  ): Span {
    const options = { kind: this.api.SpanKind[kind], attributes, ...extra };
    return this.settings.source.tracer.startSpan(name, options, parent);
  }

  private links(traces: readonly (EventTraceContext | undefined)[]): Link[] {
    const links: Link[] = [];
    for (const trace of traces) {
      const context: SpanContext | undefined = spanContextOf(this.api, trace);
      if (context !== undefined) links.push({ context });
    }
    return links;
  }

  private operationAttributes(operation: MessagingOperation, system: string): Attributes {
    return {
      [ATTR.system]: system,
      [ATTR.operationName]: operation,
      [ATTR.operationType]: operation,
    };
  }

  private messageAttributes(event: BusEvent, operation: MessagingOperation, system: string): Attributes {
    const attributes = this.operationAttributes(operation, system);
    attributes[ATTR.destination] = event.type;
    attributes[ATTR.messageId] = event.id;
    attributes[ATTR.conversationId] = event.correlationId;
    attributes[ATTR.eventType] = event.type;
    attributes[ATTR.eventSource] = event.source;
    return attributes;
  }
}
