import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { defineEvent, EventCatalog, EventsModule, OnEvent, type AsyncApiDocument } from 'nestjs-event-bus';
import { parseAsyncApi } from '../support/asyncapi-parser';
import { startTwoServices, type TwoServices } from '../trace/support/two-services';

describe('EventCatalog.asyncApi() of two services over Redis', () => {
  let services: TwoServices;
  let api: AsyncApiDocument;
  let worker: AsyncApiDocument;

  beforeAll(async () => {
    services = await startTwoServices();
    api = services.api.get(EventCatalog).asyncApi();
    worker = services.worker.get(EventCatalog).asyncApi({ title: 'Shop worker' });
  }, 30_000);

  afterAll(() => services?.close());

  it('parses with @asyncapi/parser without an error or a warning', async () => {
    for (const document of [api, worker]) {
      const parsed = await parseAsyncApi(document);
      expect({ problems: parsed.problems, all: parsed.all }).toEqual({ problems: [], all: parsed.all });
    }
  }, 30_000);

  it('describes each declared type as a message: the envelope around the payload’s JSON Schema', () => {
    const placed = api.components.messages['order.placed.v1'];
    expect(placed).toMatchObject({
      name: 'order.placed',
      contentType: 'application/json',
      'x-distributed': true,
    });
    const [envelope, own] = (placed.payload as { allOf: [unknown, { properties: Record<string, unknown> }] })
      .allOf;
    expect(envelope).toEqual({ $ref: '#/components/schemas/EventEnvelope' });
    expect(own.properties.type).toEqual({ const: 'order.placed' });
    expect(own.properties.data).toEqual({
      type: 'object',
      properties: { orderId: { type: 'string' }, amount: { type: 'number' }, cardToken: { type: 'string' } },
      required: ['orderId', 'amount', 'cardToken'],
      additionalProperties: false,
    });
    expect(api.components.schemas.EventEnvelope).toMatchObject({
      required: expect.arrayContaining(['correlationId']),
    });
    expect(placed.correlationId.location).toBe('$message.payload#/correlationId');
    expect(api.info).toEqual({ title: 'Shop API', version: '2.1.0' });
  });

  it('puts distributed types on the transport’s channel and the rest in-process, with the Redis server', () => {
    expect(api.servers?.redis).toMatchObject({ protocol: 'redis', host: '127.0.0.1:6379' });
    expect(JSON.stringify(api.servers)).not.toMatch(/password/i);
    const main = api.channels.main;
    expect(main.address).toBeNull();
    expect(main['x-addresses']).toEqual([`${services.prefix}:{main}`]);
    expect(Object.keys(main.messages)).toEqual(['order.placed.v1']);
    expect(Object.keys(api.channels['in-process'].messages)).toEqual(
      expect.arrayContaining(['payment.captured.v1', 'system.startup.v1']),
    );
    expect(api.operations['send.main']).toMatchObject({
      action: 'send',
      channel: { $ref: '#/channels/main' },
    });
  });

  it('has a receive operation per discovered listener, on the channel it takes its events from', () => {
    expect(worker.operations['receive.Billing.charge']).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/main' },
      messages: [{ $ref: '#/channels/main/messages/order.placed.v1' }],
    });
    expect(worker.operations['receive.Mailer.receipt']).toMatchObject({
      channel: { $ref: '#/channels/in-process' },
      messages: [{ $ref: '#/channels/in-process/messages/payment.captured.v1' }],
    });
    // `local: true`: it runs where the order is placed, not from Redis.
    expect(api.operations['receive.OrderLog.remember']).toMatchObject({
      channel: { $ref: '#/channels/in-process' },
      'x-listener': { local: true },
    });
    expect(Object.keys(api.operations).filter((id) => id.startsWith('receive.'))).toEqual([
      'receive.OrderLog.remember',
    ]);
  });

  it('is served at /events/asyncapi.json when the asyncapi option is on', async () => {
    const reply = await fetch(`${services.url}/events/asyncapi.json`);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual(JSON.parse(JSON.stringify(api)));
  });
});

describe('EventCatalog without a transport', () => {
  it('documents a payload without a runtime schema as {} and warns once', async () => {
    const Plain = defineEvent<{ id: string }>('plain.happened');
    class PlainListener {
      @OnEvent(Plain)
      seen(): void {}
    }
    @Module({ imports: [EventsModule.forRoot({ definitions: [Plain] })], providers: [PlainListener] })
    class App {}
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await NestFactory.createApplicationContext(App, { logger: false });
    try {
      const catalog = app.get(EventCatalog);
      const document = catalog.asyncApi();
      catalog.asyncApi();
      const payload = document.components.messages['plain.happened.v1'].payload as {
        allOf: [unknown, { properties: { data: unknown } }];
      };
      expect(payload.allOf[1].properties.data).toEqual({});
      const warnings = warn.mock.calls
        .map(([message]) => String(message))
        .filter((m) => m.includes('plain.happened'));
      expect(warnings).toEqual([expect.stringContaining('no runtime schema')]);
      expect(document.servers).toBeUndefined();
      expect(Object.keys(document.channels)).toEqual(['in-process']);
      expect((await parseAsyncApi(document)).problems).toEqual([]);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  }, 30_000);

  it('refuses asyncapi options from a forRootAsync() factory, where no route can be declared', async () => {
    @Module({ imports: [EventsModule.forRootAsync({ useFactory: () => ({ asyncapi: {} }) })] })
    class App {}
    await expect(
      NestFactory.createApplicationContext(App, { logger: false, abortOnError: false }),
    ).rejects.toThrow(/asyncapi.*forRootAsync\(\{ asyncapi \}\)/);
  });
});
