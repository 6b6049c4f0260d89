import { correlationIdFromHeaders, sanitizeCorrelationId } from './correlation-id';

/** Duck types of what the Nest transports expose (none of them is imported, so the transport stays optional). */
interface HeaderBag {
  get?(name: string): unknown;
  [name: string]: unknown;
}
interface TransportContext {
  getHeaders?(): unknown;
  getMessage?(): unknown;
  getPacket?(): unknown;
}

/**
 * The correlation id an incoming microservice message carries, if any valid one: first from the transport's
 * headers or metadata (NATS/gRPC headers, Kafka/RMQ message headers, MQTT 5 user properties) under the configured
 * header names, then from a `correlationId` field of the payload. Invalid values are ignored.
 */
export function correlationIdFromMessage(
  data: unknown,
  transportContext: unknown,
  headers: readonly string[],
): string | undefined {
  // gRPC passes its Metadata (a Map-like bag) where other transports pass their context object.
  const bag = headersOf(transportContext) ?? asHeaderBag(transportContext);
  if (bag !== undefined) {
    const fromHeaders = correlationIdFromHeaders((name) => readHeader(bag, name), headers);
    if (fromHeaders !== undefined) return fromHeaders;
  }
  if (typeof data === 'object' && data !== null && 'correlationId' in data) {
    return sanitizeCorrelationId((data as { correlationId?: unknown }).correlationId);
  }
  return undefined;
}

function headersOf(context: unknown): HeaderBag | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const ctx = context as TransportContext;
  if (typeof ctx.getHeaders === 'function') return asHeaderBag(ctx.getHeaders());
  if (typeof ctx.getMessage === 'function') {
    const message = ctx.getMessage() as { headers?: unknown; properties?: { headers?: unknown } } | undefined;
    return asHeaderBag(message?.headers) ?? asHeaderBag(message?.properties?.headers);
  }
  if (typeof ctx.getPacket === 'function') {
    const packet = ctx.getPacket() as { properties?: { userProperties?: unknown } } | undefined;
    return asHeaderBag(packet?.properties?.userProperties);
  }
  return undefined;
}

function asHeaderBag(value: unknown): HeaderBag | undefined {
  return typeof value === 'object' && value !== null ? (value as HeaderBag) : undefined;
}

/** One header value as a string: Map-like bags (NATS, gRPC metadata) by `get`, Buffers (Kafka) decoded. */
function readHeader(bag: HeaderBag, name: string): unknown {
  let value =
    typeof bag.get === 'function' ? bag.get(name) : Object.hasOwn(bag, name) ? bag[name] : undefined;
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : undefined;
  if (Buffer.isBuffer(value)) value = value.toString('latin1');
  return value === '' ? undefined : value;
}
