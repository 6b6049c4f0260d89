// The event every Redis scenario sends: its 300-byte payload, and the body a raw client writes for it (the same
// JSON envelope the transport writes: same fields, same order, same size). Nothing here loads the bus, so the
// raw processes start as light as a hand-written client would; the definition is in ./ours-bus.
import { randomUUID } from 'node:crypto';

/** What an order event carries; `sentAt` is the sender's monotonic clock in ms (latency), else 0. */
export interface OrderPayload {
  orderId: string;
  userId: string;
  seq: number;
  sentAt: number;
  currency: string;
  total: number;
  items: { sku: string; qty: number; price: number }[];
  note: string;
}

/** The event type of every Redis scenario. */
export const ORDER_TYPE = 'bench.order.placed';

/** The payload's JSON length for a typical seq and sentAt. */
export const PAYLOAD_BYTES = 300;

function build(seq: number, sentAt: number, note: string): OrderPayload {
  return {
    orderId: `order-${seq}`,
    userId: 'user-4242',
    seq,
    sentAt,
    currency: 'EUR',
    total: 129.9,
    items: [
      { sku: 'sku-0001', qty: 2, price: 39.95 },
      { sku: 'sku-0007', qty: 1, price: 50 },
    ],
    note,
  };
}

/** Pads the note so that a payload with a 6-digit seq and a latency-style sentAt is PAYLOAD_BYTES long. */
const NOTE = 'x'.repeat(PAYLOAD_BYTES - JSON.stringify(build(123_456, 1_234_567.123456, '')).length);

/** Payload number `seq`: a fresh object every time, as application code would build it. */
export function orderPayload(seq: number, sentAt = 0): OrderPayload {
  return build(seq, sentAt, NOTE);
}

/** The monotonic clock shared by every process of the machine (CLOCK_MONOTONIC), in ms. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The entry body a hand-written publisher would XADD for `data`: the envelope the bus makes (same fields in
 * the same order, an id and a timestamp of the same format), encoded with JSON.stringify.
 */
export function rawBody(data: OrderPayload, source: string): string {
  const id = randomUUID();
  return JSON.stringify({
    id,
    type: ORDER_TYPE,
    version: 1,
    data,
    timestamp: new Date().toISOString(),
    correlationId: id,
    source,
    severity: 'info',
    metadata: {},
  });
}

/** The payload of a body written by the transport or by `rawBody` (the raw consumers' parse). */
export function payloadOf(body: string): OrderPayload {
  return (JSON.parse(body) as { data: OrderPayload }).data;
}
