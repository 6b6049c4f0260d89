import type { AddressInfo, Server } from 'node:net';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { EventBusService, type BusEvent } from 'nestjs-event-bus';
import { lastValueFrom } from 'rxjs';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ApplicationConfig } from '@nestjs/core';
import {
  StockController,
  StockGuard,
  StockHandlers,
  StockReleased,
  StockServiceModule,
} from './fixtures/microservice.fixture';
import { UUID_V7 } from './support/http-app';
import { until } from '../support/wait';

describe('correlation over a TCP microservice', () => {
  let service: INestMicroservice;
  let client: ClientProxy;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StockServiceModule] }).compile();
    service = moduleRef.createNestMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
    });
    service.useLogger(false);
    await service.listen();
    const { port } = service.unwrap<Server>().address() as AddressInfo;
    client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await service?.close();
  });

  function reserve(message: Record<string, unknown>): Promise<{ correlationId: string; event: BusEvent }> {
    return lastValueFrom(client.send('stock.reserve', message));
  }

  it('takes the correlation id a message carries into its handler, events and their handlers', async () => {
    const reply = await reserve({ sku: 'sku-1', correlationId: 'msg-corr-1' });
    expect(reply.correlationId).toBe('msg-corr-1');
    expect(reply.event.correlationId).toBe('msg-corr-1');
    const bus = service.get(EventBusService);
    await bus.drain(2000);
    const handled = service.get(StockHandlers).handled.find((h) => h.event?.id === reply.event.id);
    expect(handled).toMatchObject({ correlationId: 'msg-corr-1', causationId: reply.event.id });
  });

  it('gives a message without an id (or with an unsafe one) a fresh id of its own', async () => {
    const replies = await Promise.all([
      reserve({ sku: 'sku-2' }),
      reserve({ sku: 'sku-3' }),
      reserve({ sku: 'sku-4', correlationId: 'bad id\r\nX-Injected: 1' }),
      reserve({ sku: 'sku-5', correlationId: { nested: 'object' } }),
      reserve({ sku: 'sku-6', correlationId: 'x'.repeat(129) }),
    ]);
    for (const reply of replies) {
      expect(reply.correlationId).toMatch(UUID_V7);
      expect(reply.event.correlationId).toBe(reply.correlationId);
    }
    expect(new Set(replies.map((r) => r.correlationId)).size).toBe(replies.length);
  });

  it('keeps 200 concurrent messages apart', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, n) => reserve({ sku: `sku-${n}`, correlationId: `msg-${n}` })),
    );
    replies.forEach((reply, n) => {
      expect(reply.correlationId).toBe(`msg-${n}`);
      expect(reply.event).toMatchObject({ correlationId: `msg-${n}`, data: { sku: `sku-${n}` } });
    });
  });

  it("opens the message's context before the controller's own guards run", async () => {
    await reserve({ sku: 'sku-g', correlationId: 'guarded-msg-1' });
    expect(service.get(StockHandlers).seenByGuard).toContain('guarded-msg-1');
  });

  it('registers no global guard: the correlation guard sits on the message controllers only', () => {
    expect(service.get(ApplicationConfig).getGlobalGuards()).toEqual([]);
  });

  it('does the same for @EventPattern handlers', async () => {
    client.emit('stock.release', { sku: 'sku-9', correlationId: 'evt-corr-9' });
    const handlers = service.get(StockHandlers);
    await until(() => handlers.released.length > 0);
    expect(handlers.released).toHaveLength(1);
    expect(handlers.released[0]).toMatchObject({
      correlationId: 'evt-corr-9',
      causationId: undefined,
      event: { type: StockReleased.type, correlationId: 'evt-corr-9' },
    });
  });
});

describe('correlation in a hybrid app (HTTP + TCP microservice)', () => {
  let app: INestApplication;
  let client: ClientProxy;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StockServiceModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    const microservice = app.connectMicroservice(
      { transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const { port } = microservice.unwrap<Server>().address() as AddressInfo;
    client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  it('takes the id from the message with inheritAppConfig: true', async () => {
    const reply = await lastValueFrom(
      client.send<{ correlationId: string; event: BusEvent }>('stock.reserve', {
        sku: 'h-1',
        correlationId: 'hybrid-1',
      }),
    );
    expect(reply.correlationId).toBe('hybrid-1');
    expect(reply.event.correlationId).toBe('hybrid-1');
  });
});

describe('correlation in a hybrid app without inheritAppConfig', () => {
  let app: INestApplication;
  let client: ClientProxy;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StockServiceModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    const microservice = app.connectMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
    });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const { port } = microservice.unwrap<Server>().address() as AddressInfo;
    client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
  });

  it('still takes the id from the message: the guard comes with the handlers, not the app config', async () => {
    const reply = await lastValueFrom(
      client.send<{ correlationId: string; event: BusEvent }>('stock.reserve', {
        sku: 'h-2',
        correlationId: 'hybrid-2',
      }),
    );
    expect(reply.correlationId).toBe('hybrid-2');
    expect(reply.event.correlationId).toBe('hybrid-2');
    expect(app.get(ApplicationConfig).getGlobalGuards()).toEqual([]);
  });
});

describe('the message controllers after the app closes', () => {
  it("keep only the guards they declared: a closed app leaves nothing in the classes' metadata", async () => {
    const moduleRef = await Test.createTestingModule({ imports: [StockServiceModule] }).compile();
    const service = moduleRef.createNestMicroservice({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
    });
    service.useLogger(false);
    await service.listen();
    expect(Reflect.getMetadata(GUARDS_METADATA, StockController)).toHaveLength(2);
    await service.close();
    expect(Reflect.getMetadata(GUARDS_METADATA, StockController)).toEqual([StockGuard]);
  });
});
