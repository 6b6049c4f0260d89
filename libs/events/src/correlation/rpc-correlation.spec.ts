import { correlationIdFromMessage } from './rpc-correlation';

const HEADERS = ['x-correlation-id', 'x-request-id', 'traceparent'];
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('correlationIdFromMessage', () => {
  it('takes a correlationId field of the payload', () => {
    expect(correlationIdFromMessage({ correlationId: 'payload-1' }, undefined, HEADERS)).toBe('payload-1');
  });

  it('ignores an unsafe or non-string payload id', () => {
    expect(correlationIdFromMessage({ correlationId: 'two words' }, undefined, HEADERS)).toBeUndefined();
    expect(correlationIdFromMessage({ correlationId: 42 }, undefined, HEADERS)).toBeUndefined();
    expect(correlationIdFromMessage('plain string payload', undefined, HEADERS)).toBeUndefined();
    expect(correlationIdFromMessage(null, undefined, HEADERS)).toBeUndefined();
  });

  it('prefers transport headers over the payload (NATS-style getHeaders() with get())', () => {
    const headers = new Map([['x-correlation-id', 'nats-1']]);
    const context = { getHeaders: () => ({ get: (name: string) => headers.get(name) ?? '' }) };
    expect(correlationIdFromMessage({ correlationId: 'payload-1' }, context, HEADERS)).toBe('nats-1');
  });

  it('reads Kafka-style Buffer headers from getMessage()', () => {
    const context = { getMessage: () => ({ headers: { 'x-request-id': Buffer.from('kafka-1') } }) };
    expect(correlationIdFromMessage({}, context, HEADERS)).toBe('kafka-1');
  });

  it('reads RabbitMQ-style headers from the message properties', () => {
    const context = { getMessage: () => ({ properties: { headers: { 'x-correlation-id': 'rmq-1' } } }) };
    expect(correlationIdFromMessage({}, context, HEADERS)).toBe('rmq-1');
  });

  it('reads MQTT 5 user properties', () => {
    const context = {
      getPacket: () => ({ properties: { userProperties: { 'x-correlation-id': 'mqtt-1' } } }),
    };
    expect(correlationIdFromMessage({}, context, HEADERS)).toBe('mqtt-1');
  });

  it('reads gRPC-style metadata (get() returns an array) and a traceparent in it', () => {
    const metadata = {
      get: (name: string) => (name === 'traceparent' ? [`00-${TRACE_ID}-00f067aa0ba902b7-01`] : []),
    };
    expect(correlationIdFromMessage({}, metadata, HEADERS)).toBe(TRACE_ID);
  });

  it('falls back to the payload when the headers hold nothing valid', () => {
    const context = { getHeaders: () => ({ 'x-correlation-id': 'bad\r\nvalue' }) };
    expect(correlationIdFromMessage({ correlationId: 'payload-2' }, context, HEADERS)).toBe('payload-2');
  });

  it('never reads inherited properties as headers', () => {
    const context = { getHeaders: () => Object.create({ 'x-correlation-id': 'inherited' }) as object };
    expect(correlationIdFromMessage({}, context, HEADERS)).toBeUndefined();
  });

  it('finds nothing on a transport context without headers (TCP)', () => {
    expect(correlationIdFromMessage({ sku: 'a' }, { getPattern: () => 'x' }, HEADERS)).toBeUndefined();
  });
});
