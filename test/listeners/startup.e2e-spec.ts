import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService, SystemStartup, UnknownEventTypeError } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import {
  CacheWarmer,
  Chatterbox,
  ConfigAnnouncer,
  GatekeeperAppModule,
  StrictGatekeeper,
  InventoryLoader,
  OverflowAppModule,
  StartupAppModule,
  StartupListener,
} from './fixtures/startup.fixture';
import {
  BadPatternAppModule,
  LenientAppModule,
  StrictAppModule,
  VerboseAppModule,
} from './fixtures/strict.fixture';
import { CaptureLogger } from './support/capture-logger';

async function create(module: unknown, logger = new CaptureLogger()): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  return moduleRef.createNestApplication({ logger });
}

describe('startup', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('holds events emitted before discovery and delivers each exactly once, then emits system.startup', async () => {
    const logger = new CaptureLogger();
    app = await create(StartupAppModule, logger);
    const events = EventRecorder.attach(app);
    await app.init();
    await events.flush();

    expect(app.get(InventoryLoader).readyWhenEmitted).toBe(false);
    expect(app.get(ConfigAnnouncer).readyWhenEmitted).toBe(false);
    expect(app.get(CacheWarmer).readyWhenEmitted).toBe(true);
    const received = app.get(StartupListener).received;
    expect(received.filter((t) => t === 'inventory.loaded')).toHaveLength(2);
    expect(received.filter((t) => t === 'config.loaded')).toHaveLength(1);
    expect(received.filter((t) => t === 'cache.warmed')).toHaveLength(1);
    // Held events first, in emit order, then system.startup, then what was emitted after discovery.
    expect(events.events().map((e) => e.type)).toEqual([
      'inventory.loaded',
      'inventory.loaded',
      'config.loaded',
      'system.startup',
      'cache.warmed',
    ]);
    expect(received).toEqual([
      'inventory.loaded',
      'inventory.loaded',
      'config.loaded',
      'system.startup (4 listeners)',
      'cache.warmed',
    ]);
    await expect(app.get(InventoryLoader).asyncResult).resolves.toMatchObject({ handled: 1 });
    expect(app.get(EventBusService).stats()).toMatchObject({ ready: true, held: 0, droppedBeforeReady: 0 });
    // Awaiting that emitAsync() inside onModuleInit would have blocked startup: the bus says so, once.
    const warnings = logger.fromBus('warn').filter((line) => line.startsWith('emitAsync('));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Do not await it in a constructor or onModuleInit');
  });

  it('emits system.startup once, with the source and listener count', async () => {
    app = await create(StartupAppModule);
    const events = EventRecorder.attach(app);
    await app.init();

    expect(events.events(SystemStartup)).toHaveLength(1);
    const startup = events.expectEvent(SystemStartup, { source: 'app' });
    expect(startup.data.listeners).toBe(app.get(EventBusService).listenerCount());
  });

  it('reports a full hold queue: dropped count in stats and an error log, never silently', async () => {
    const logger = new CaptureLogger();
    app = await create(OverflowAppModule, logger);
    await app.init();

    expect(app.get(Chatterbox).delivered).toEqual([1, 2, 3]);
    expect(app.get(EventBusService).stats().droppedBeforeReady).toBe(2);
    const errors = logger.fromBus('error');
    expect(errors).toHaveLength(2);
    expect(errors[1]).toContain('hold queue is full (3)');
    expect(errors[1]).toContain('2 dropped so far');
    expect(errors[1]).toContain('maxHeldEvents');
  });

  it('a held event that middleware throws on costs neither startup nor the other held events', async () => {
    const logger = new CaptureLogger();
    app = await create(GatekeeperAppModule, logger);
    await app.init();

    const gatekeeper = app.get(StrictGatekeeper);
    expect(gatekeeper.delivered).toEqual(['accepted.sync', 'system.startup']);
    // The emitAsync() caller gets the error, as it would after startup.
    await expect(gatekeeper.asyncOutcome).resolves.toBe('rejected: middleware refused rejected.async');
    const errors = logger.fromBus('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Delivering held event "rejected.sync"');
    expect(errors[0]).toContain('middleware refused rejected.sync');
  });

  it('is quiet by default: one line saying what is on, no listener list, no warning', async () => {
    const logger = new CaptureLogger();
    app = await create(LenientAppModule, logger);
    await app.init();

    expect(logger.fromBus('log')).toEqual([
      'Ready: source "app", 3 listener(s); history on (1000 events), correlation on, metrics off, audit off, ' +
        'event log off, bridges off, outbox off',
    ]);
    expect(logger.fromBus('warn')).toEqual([]);
    expect(logger.fromBus('debug')).toEqual([]);
    expect(logger.fromBus('verbose')).toEqual([]);
  });

  it('with verbose: true, logs the discovered listeners by type and priority at debug level', async () => {
    const logger = new CaptureLogger();
    app = await create(VerboseAppModule, logger);
    await app.init();

    const debug = logger.fromBus('debug').find((line) => line.startsWith('Discovered'));
    expect(debug).toContain('Discovered 3 listener(s)');
    expect(debug).toContain('user.* [-50] TypoListener.anyUser');
    expect(debug).toContain('user.created [50] TypoListener.welcome');
  });

  it('with verbose: true, warns about a listener on an undeclared type when not strict', async () => {
    const logger = new CaptureLogger();
    app = await create(VerboseAppModule, logger);
    await app.init();

    const warnings = logger.fromBus('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('user.craeted <- TypoListener.typo');
    expect(warnings[0]).not.toContain('TypoListener.welcome');
    expect(warnings[0]).not.toContain('TypoListener.anyUser');
  });

  it('fails startup with UnknownEventTypeError when strict', async () => {
    const failing = await create(StrictAppModule);
    const error = await failing.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect((error as Error).name).toBe('UnknownEventTypeError');
    expect((error as Error).message).toContain('user.craeted');
    expect((error as Error).message).toContain('@OnEvent() on TypoListener.typo');
    await failing.close();
  });

  it('fails startup on a malformed pattern, naming the listener', async () => {
    const failing = await create(BadPatternAppModule);
    await expect(failing.init()).rejects.toThrow(
      /@OnEvent\(\) on BadPatternListener\.handle: .*user\.\.created/,
    );
    await failing.close();
  });
});
