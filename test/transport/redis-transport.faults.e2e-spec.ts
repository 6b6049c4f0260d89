import {
  PublishDroppedError,
  RedisUnavailableError,
  type RedisStreamsTransport,
} from 'nestjs-event-bus/redis';
import { freePort, startRedisServer, stopRedisServer, type OwnRedisServer } from '../support/redis-server';
import { until } from '../support/wait';
import { consumeAs, FakeBus, makeEvent, testTransport } from './support/transport-harness';

/** The publisher buffers once its own connection has seen Redis go; the reader (and so `up`) may notice first. */
const untilPublisherOffline = (transport: RedisStreamsTransport) =>
  until(async () => (await transport.health()).details.commands !== 'ready');

describe('RedisStreamsTransport: Redis faults (a redis-server of its own)', () => {
  let server: OwnRedisServer | undefined;
  const open: RedisStreamsTransport[] = [];
  const make = (url: string, options: Parameters<typeof testTransport>[1] = {}) => {
    const made = testTransport('faults', { connection: url, ...options });
    open.push(made.transport);
    return made;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
    if (server) await stopRedisServer(server);
    server = undefined;
  });

  it('fails to start within seconds, naming host and port, when Redis is down', async () => {
    const port = await freePort();
    const { transport } = make(`redis://127.0.0.1:${port}`);
    const started = Date.now();
    const consuming = transport.consume(new FakeBus().deliver, consumeAs('svc'));
    await expect(consuming).rejects.toThrow(RedisUnavailableError);
    await expect(consuming).rejects.toThrow(`127.0.0.1:${port}`);
    await expect(transport.publish([makeEvent('user.created', {})])).rejects.toThrow(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await transport.health()).up).toBe(false);
  });

  it('buffers while Redis is down, sends when it is back, and the consumer resumes', async () => {
    server = await startRedisServer();
    const { transport, logger } = make(server.url);
    const bus = new FakeBus();
    await transport.consume(bus.deliver, consumeAs('svc'));
    await transport.publish([makeEvent('user.created', { n: 0 })]);
    await until(() => bus.reports.length === 1);

    await stopRedisServer(server);
    await untilPublisherOffline(transport);
    const waiting = transport.publish([1, 2, 3].map((n) => makeEvent('user.created', { n })));
    let sent = false;
    void waiting.then(() => (sent = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent).toBe(false);
    expect((await transport.health()).details).toMatchObject({ buffered: 3 });

    server = await startRedisServer(server.port);
    const back = Date.now();
    await waiting;
    await until(() => bus.reports.length === 4, 10_000);
    expect(Date.now() - back).toBeLessThan(5_000);
    expect(bus.events.map((event) => event.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    const stats = await transport.stats();
    expect(stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(stats.published).toBe(4);
    expect((await transport.health()).up).toBe(true);
    expect(logger.has(/connection to 127\.0\.0\.1:\d+ is back/)).toBe(true);
    expect(logger.has(/Consumer group svc is gone/)).toBe(true);
  });

  it('drops what does not fit the publish buffer, counted and rejected', async () => {
    server = await startRedisServer();
    const { transport } = make(server.url, { publishBuffer: { maxEvents: 3 } });
    await transport.publish([makeEvent('user.created', { n: 0 })]);
    await stopRedisServer(server);
    await untilPublisherOffline(transport);
    const kept = transport.publish([
      makeEvent('user.created', { n: 1 }),
      makeEvent('user.created', { n: 2 }),
    ]);
    const overflow = [makeEvent('user.created', { n: 3 }), makeEvent('user.created', { n: 4 })];
    const dropped = transport.publish(overflow);
    await expect(dropped).rejects.toThrow(PublishDroppedError);
    await expect(dropped).rejects.toMatchObject({ dropped: 2, eventIds: overflow.map((event) => event.id) });
    expect((await transport.stats()).dropped).toBe(2);
    server = await startRedisServer(server.port);
    await kept;
    expect((await transport.stats()).published).toBe(3);
  });

  it('closes within its budget when Redis is gone, dropping what it could not send', async () => {
    server = await startRedisServer();
    const { transport } = make(server.url, { shutdownTimeoutMs: 200 });
    await transport.consume(new FakeBus().deliver, consumeAs('svc'));
    await stopRedisServer(server);
    await untilPublisherOffline(transport);
    const lost = transport.publish([makeEvent('user.created', {})]);
    const started = Date.now();
    await transport.close();
    expect(Date.now() - started).toBeLessThan(200 + 100 + 3_000 + 1_000);
    await expect(lost).rejects.toMatchObject({ name: 'PublishDroppedError', dropped: 1 });
  });
});
