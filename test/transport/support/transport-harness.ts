import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { parseEvent, type BusEvent, type HandlerFailure } from 'nestjs-event-bus';
import { RedisStreamsTransport, type RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import type {
  ConsumeOptions,
  DeliverInbound,
  InboundDelivery,
  SettleReport,
} from '../../../libs/events/src/bus/ports/event-transport.port';
import { SHARED_REDIS_URL } from '../../support/redis-prefix';

/** A logger that keeps its lines, so tests can read the one-line logs of recovery actions. */
export class LineLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }
  has(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line.message));
  }
}

/** A valid event of `type`, as the bus would build it. */
export function makeEvent<T>(type: string, data: T, correlationId: string = randomUUID()): BusEvent<T> {
  return parseEvent<T>({
    id: randomUUID(),
    type,
    version: 1,
    data,
    timestamp: new Date().toISOString(),
    correlationId,
    source: 'test',
    severity: 'info',
    metadata: {},
  });
}

/** What a fake bus does with one delivery: which handlers fail, and how long it takes. */
export interface FakeBusBehaviour {
  /** The handlers that failed on this delivery (after their in-process retries); default none. */
  failures?: (delivery: InboundDelivery) => HandlerFailure[];
  /** Runs before settling: a slow handler, or one that never returns. */
  work?: (delivery: InboundDelivery) => Promise<void>;
  /** Skip settling (a consumer that dies before it can). */
  noSettle?: boolean;
}

/** A fake bus: records every delivery and settles it as told, tracking how many are in hand at once. */
export class FakeBus {
  readonly deliveries: InboundDelivery[] = [];
  readonly reports: SettleReport[] = [];
  inHand = 0;
  maxInHand = 0;

  constructor(private readonly behaviour: FakeBusBehaviour = {}) {}

  readonly deliver: DeliverInbound = async (delivery) => {
    this.deliveries.push(delivery);
    this.inHand++;
    this.maxInHand = Math.max(this.maxInHand, this.inHand);
    try {
      await this.behaviour.work?.(delivery);
      if (this.behaviour.noSettle) return;
      this.reports.push(await delivery.settle(this.behaviour.failures?.(delivery) ?? []));
    } finally {
      this.inHand--;
    }
  };

  /** The events delivered, in order. */
  get events(): BusEvent[] {
    return this.deliveries.map((delivery) => delivery.event);
  }
}

/** Options every test transport shares: fast loops, a logger of its own. */
export function testTransport(
  prefix: string,
  options: RedisStreamsTransportOptions = {},
): { transport: RedisStreamsTransport; logger: LineLogger } {
  const logger = new LineLogger();
  const transport = new RedisStreamsTransport({
    connection: SHARED_REDIS_URL,
    prefix,
    blockMs: 100,
    claimIntervalMs: 100,
    logger,
    ...options,
  });
  return { transport, logger };
}

/** Consume options for `group` that accept every type (or those `accepts` takes). */
export function consumeAs(group: string, accepts: (type: string) => boolean = () => true): ConsumeOptions {
  return { group, accepts };
}

/** A handler failure as the bus reports it. */
export function failure(handler: string, message = 'boom', attempts = 1): HandlerFailure {
  return { handler, error: new Error(message), attempts };
}
