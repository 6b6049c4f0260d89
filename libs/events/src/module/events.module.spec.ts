import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EventBusService } from '../bus/event-bus.service';
import { EventsConfigError } from '../errors/events-config.error';
import { defineEvent } from '../event/event-definition';
import { EventsModule } from './events.module';
import type { EventsModuleOptions } from './events-module.options';
import type { EventsOptionsFactory } from './events-options.factory';

const CONFIG = Symbol('config');

@Module({
  providers: [{ provide: CONFIG, useValue: { source: 'from-config', maxEvents: 2 } }],
  exports: [CONFIG],
})
class ConfigModule {}

/** A feature module that does not import EventsModule: the bus must reach it because the module is global. */
@Injectable()
class OrdersService {
  constructor(readonly bus: EventBusService) {}
}
@Module({ providers: [OrdersService] })
class OrdersModule {}

/** A `useClass` options factory with a dependency of its own, typed by the exported interface. */
@Injectable()
class EventsConfig implements EventsOptionsFactory {
  constructor(@Inject(CONFIG) private readonly config: { source: string; maxEvents: number }) {}

  async createEventsOptions(): Promise<EventsModuleOptions> {
    return { source: this.config.source, history: { maxEvents: this.config.maxEvents } };
  }
}

const open: TestingModule[] = [];
async function boot(root: ReturnType<typeof EventsModule.forRoot>): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [root, OrdersModule] }).compile();
  open.push(moduleRef);
  await moduleRef.init();
  return moduleRef;
}

async function bootFailure(root: ReturnType<typeof EventsModule.forRoot>): Promise<EventsConfigError> {
  const error = await boot(root).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EventsConfigError);
  return error as EventsConfigError;
}

beforeAll(() => {
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterAll(() => jest.restoreAllMocks());
afterEach(async () => {
  await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
});

describe('EventsModule', () => {
  it('forRoot() boots with no options and gives every module the same bus (global)', async () => {
    const moduleRef = await boot(EventsModule.forRoot());
    const bus = moduleRef.get(EventBusService);
    expect(moduleRef.get(OrdersService).bus).toBe(bus);
    const received: string[] = [];
    bus.on('order.placed', (event) => void received.push(event.source));
    bus.emit('order.placed', { id: 'o1' });
    expect(received).toEqual(['app']);
    expect(bus.stats().ready).toBe(true);
  });

  it('forRoot(options) applies them', async () => {
    const Placed = defineEvent<{ id: string }>('order.placed');
    const moduleRef = await boot(
      EventsModule.forRoot({
        source: 'orders-api',
        history: { maxEvents: 1 },
        strict: true,
        definitions: [Placed],
      }),
    );
    const bus = moduleRef.get(EventBusService);
    bus.emit(Placed, { id: 'o1' });
    bus.emit(Placed, { id: 'o2' });
    expect(bus.history().map((e) => [e.source, e.data])).toEqual([['orders-api', { id: 'o2' }]]);
    expect(() => bus.emit('order.unknown')).toThrow(/Unknown event type/);
  });

  it('forRootAsync() builds the options from injected providers', async () => {
    const moduleRef = await boot(
      EventsModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: (config: { source: string; maxEvents: number }) => ({
          source: config.source,
          history: { maxEvents: config.maxEvents },
        }),
      }),
    );
    const bus = moduleRef.get(EventBusService);
    for (let i = 0; i < 3; i++) bus.emit('tick.tock', i);
    expect(bus.history().map((e) => e.data)).toEqual([1, 2]);
    expect(bus.history()[0].source).toBe('from-config');
    expect(moduleRef.get(OrdersService).bus).toBe(bus);
  });

  it('forRootAsync() accepts an async factory', async () => {
    const moduleRef = await boot(
      EventsModule.forRootAsync({ useFactory: async () => ({ source: 'async' }) }),
    );
    expect(moduleRef.get(EventBusService).emit('a.b').source).toBe('async');
  });

  it('forRootAsync({ useClass }) calls createEventsOptions() of a class implementing EventsOptionsFactory', async () => {
    const moduleRef = await boot(
      EventsModule.forRootAsync({ imports: [ConfigModule], useClass: EventsConfig }),
    );
    const bus = moduleRef.get(EventBusService);
    for (let i = 0; i < 3; i++) bus.emit('tick.tock', i);
    expect(bus.history().map((e) => [e.source, e.data])).toEqual([
      ['from-config', 1],
      ['from-config', 2],
    ]);
  });

  it('fails startup with EventsConfigError for an unknown option', async () => {
    const error = await bootFailure(EventsModule.forRoot({ histroy: false } as never));
    expect(error.option).toBe('histroy');
    expect(error.message).toMatch(/known options/);
  });

  it('fails startup with EventsConfigError naming a wrongly typed option', async () => {
    const error = await bootFailure(EventsModule.forRoot({ history: { maxEvents: -5 } }));
    expect(error.option).toBe('history.maxEvents');
    expect(error.message).toMatch(/expected a whole number from 1 to 1000000, received -5/);
  });

  it('fails startup when forRootAsync() produces a wrong option', async () => {
    const error = await bootFailure(
      EventsModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: (config: { source: string }) => ({ source: config.source, shutdownTimeoutMs: -1 }),
      }),
    );
    expect(error.option).toBe('shutdownTimeoutMs');
  });

  it('types forRootAsync({ auditController }): the guard is required, and checked when the module is built', () => {
    const build = () =>
      EventsModule.forRootAsync({
        useFactory: () => ({}),
        // @ts-expect-error: the audit REST controller is never served without a guard
        auditController: { path: 'audit' },
      });
    expect(build).toThrow(EventsConfigError);
  });

  it('holds events emitted before startup completes and delivers them once it does', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [EventsModule.forRoot()] }).compile();
    open.push(moduleRef);
    const bus = moduleRef.get(EventBusService);
    const received: unknown[] = [];
    bus.on('early.bird', (event) => void received.push(event.data));
    bus.emit('early.bird', 1);
    expect(received).toEqual([]);
    expect(bus.stats().held).toBe(1);
    await moduleRef.init();
    expect(received).toEqual([1]);
  });
});
