import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { TenantAppModule, TenantListener } from './fixtures/two-apps.fixture';

async function start(): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [TenantAppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  return app;
}

describe('two apps in one process', () => {
  let first: INestApplication;
  let second: INestApplication;
  afterEach(async () => {
    await first?.close();
    await second?.close();
  });

  it('share no bus, listeners, history, dead letters or recorders', async () => {
    first = await start();
    second = await start();
    const firstEvents = EventRecorder.attach(first);
    const secondEvents = EventRecorder.attach(second);
    await first.init();
    await second.init();
    const a = first.get(EventBusService);
    const b = second.get(EventBusService);
    expect(a).not.toBe(b);

    a.emit('tenant.created', { tenant: 'a' });
    b.emit('tenant.created', { tenant: 'b' });
    b.emit('tenant.broken', { tenant: 'b' });
    await firstEvents.flush();
    await secondEvents.flush();

    expect(first.get(TenantListener).seen).toEqual(['a']);
    expect(second.get(TenantListener).seen).toEqual(['b', 'b']);
    expect(a.history({ type: 'tenant.*' }).map((e) => e.data)).toEqual([{ tenant: 'a' }]);
    expect(a.deadLetters()).toEqual([]);
    expect(b.deadLetters()).toHaveLength(1);
    expect(firstEvents.events().map((e) => e.type)).toEqual(['system.startup', 'tenant.created']);
    expect(secondEvents.events().map((e) => e.type)).toEqual([
      'system.startup',
      'tenant.created',
      'tenant.broken',
      'event.handler.failed',
    ]);
    expect(a.stats().failed).toBe(0);
    expect(b.stats().failed).toBe(1);
  });

  it('closing one app leaves the other delivering', async () => {
    first = await start();
    second = await start();
    await first.init();
    await second.init();
    await first.close();

    second.get(EventBusService).emit('tenant.created', { tenant: 'b' });
    expect(second.get(TenantListener).seen).toEqual(['b']);
  });
});
