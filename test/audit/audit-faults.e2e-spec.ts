import { CanActivate, ExecutionContext, Injectable, Module } from '@nestjs/common';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import {
  AUDIT_STORE,
  AuditDisabledError,
  AuditService,
  AuditWriteError,
  EventBusService,
  EventsConfigError,
  EventsModule,
  MemoryAuditStore,
  SqliteAuditStore,
} from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { until } from '../support/wait';
import { FlakyAuditStore } from './fixtures/flaky-audit.store';
import { UserCreated, startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';

@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return (
      context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-auditor'] === 'yes'
    );
  }
}

describe('audit trail: faults, options and the REST controller', () => {
  const apps: AuditApp[] = [];
  afterEach(async () => {
    for (const { app } of apps.splice(0)) await app.close();
  });

  async function start(...args: Parameters<typeof startAuditApp>): Promise<AuditApp> {
    const started = await startAuditApp(...args);
    apps.push(started);
    return started;
  }

  it('keeps records while the store fails, logs and counts the failures, and writes them once it is back', async () => {
    const store = new FlakyAuditStore();
    const logger = new CaptureLogger();
    const { bus, audit } = await start({ store, batch: { maxSize: 10, maxDelayMs: 5 } }, {}, logger);
    store.failing = true;
    for (let i = 0; i < 20; i++) bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
    await expect(audit.flush()).rejects.toThrow(AuditWriteError);
    expect(audit.stats()).toMatchObject({ buffered: 20, written: 0 });
    expect(audit.stats().writeFailures).toBeGreaterThan(0);
    expect(
      logger.lines.some(
        (l) => l.level === 'error' && /audit record\(s\) failed \(database is down\)/.test(l.message),
      ),
    ).toBe(true);
    store.failing = false;
    await audit.flush();
    expect(audit.stats()).toMatchObject({ buffered: 0, written: 20, dropped: 0 });
    const { records } = await audit.query();
    expect(records.map((r) => (r.data as { id: string }).id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `u${i}`),
    );
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 20 });
  });

  it('retries on its own (no flush needed) after the store recovers', async () => {
    const store = new FlakyAuditStore();
    const { bus, audit } = await start({ store, batch: { maxSize: 10, maxDelayMs: 5 } });
    store.failing = true;
    bus.emit(UserCreated, { id: 'u1', email: 'e' });
    await until(() => store.attempts > 0);
    store.failing = false;
    await until(() => store.rows.length > 0);
    expect(audit.stats()).toMatchObject({ written: 1, buffered: 0 });
  });

  it('refuses records loudly (logged and counted) only when the bounded buffer is full', async () => {
    const store = new FlakyAuditStore();
    const logger = new CaptureLogger();
    const { bus, audit } = await start(
      { store, maxBufferedRecords: 5, batch: { maxDelayMs: 10_000 } },
      {},
      logger,
    );
    store.failing = true;
    for (let i = 0; i < 8; i++) bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
    expect(audit.stats()).toMatchObject({ buffered: 5, dropped: 3 });
    expect(
      logger.lines.filter((l) => l.level === 'error' && l.message.includes('NOT recorded')),
    ).toHaveLength(3);
    store.failing = false;
    await audit.flush();
    expect(store.rows).toHaveLength(5);
  });

  it('sync mode: a rejected emitAsync() is final (the record is withdrawn, never written later), an emit() is retried', async () => {
    // Reliability report E3: 503 answers during an outage were followed by the same records being written later,
    // so a client that retried recorded its event twice.
    const store = new FlakyAuditStore();
    const logger = new CaptureLogger();
    const { bus, audit } = await start({ store, durability: 'sync' }, {}, logger);
    store.failing = true;
    const awaited = bus.emitAsync(UserCreated, { id: 'told-it-failed', email: 'e' });
    bus.emit(UserCreated, { id: 'fire-and-forget', email: 'e' });
    await expect(awaited).rejects.toThrow(/was NOT written and will not be/);
    await expect(awaited).rejects.toThrow(AuditWriteError);
    expect(audit.stats()).toMatchObject({ withdrawn: 1, buffered: 1 });
    expect(logger.lines.some((l) => l.level === 'error' && /withdrawn/.test(l.message))).toBe(true);
    store.failing = false;
    await audit.flush();
    await expect(bus.emitAsync(UserCreated, { id: 'retried', email: 'e' })).resolves.toBeDefined();
    expect(store.rows.map((r) => JSON.parse(r.data).id)).toEqual(['fire-and-forget', 'retried']);
  });

  it('shutdown flushes what is buffered', async () => {
    const store = new MemoryAuditStore();
    const { app, bus } = await startAuditApp({ store, batch: { maxDelayMs: 60_000, maxSize: 1000 } });
    for (let i = 0; i < 30; i++) bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
    expect(store.rows).toHaveLength(0);
    await app.close();
    expect(store.rows).toHaveLength(30);
  });

  it('with audit off, no store is created and AuditService says how to turn it on', async () => {
    const { audit, bus, app } = await start(false);
    expect(app.get(AUDIT_STORE)).toBeNull();
    bus.emit(UserCreated, { id: 'u1', email: 'e', password: 'p' });
    expect(bus.history({ type: 'user.created' })[0].data).toMatchObject({ password: '[REDACTED]' });
    expect(audit.enabled).toBe(false);
    await expect(audit.query()).rejects.toThrow(AuditDisabledError);
    await expect(audit.verify()).rejects.toThrow('audit: {}');
  });

  it('audit: {} means SQLite at ./data/audit.db', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'audit-default-'));
    process.chdir(dir);
    try {
      const { bus, audit, app } = await startAuditApp({});
      bus.emit(UserCreated, { id: 'u1', email: 'e' });
      await audit.flush();
      expect(existsSync(join(dir, 'data', 'audit.db'))).toBe(true);
      await app.close();
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redact: false turns payload redaction off for every event', async () => {
    const { bus } = await start({ store: new MemoryAuditStore(), redact: false });
    expect(bus.emit(UserCreated, { id: 'u1', email: 'e', password: 'p' }).data).toMatchObject({
      password: 'p',
    });
  });

  it.each([
    [{ durability: 'eventually' }, 'audit.durability'],
    [{ batch: { maxSize: 0 } }, 'audit.batch.maxSize'],
    [{ include: ['Bad Pattern'] }, 'audit.include'],
    [{ store: {} }, 'audit.store'],
    [{ redact: { keys: 'password' } }, 'audit.redact.keys'],
    [{ controller: {} }, 'audit.controller.guard'],
    [{ colour: 'red' }, 'audit.colour'],
  ])('rejects the bad option %j naming %s', (audit, option) => {
    expect(() => EventsModule.forRoot({ audit: audit as never })).toThrow(EventsConfigError);
    expect(() => EventsModule.forRoot({ audit: audit as never })).toThrow(option);
  });

  describe('controller with forRootAsync', () => {
    async function initAsync(
      factoryAudit: unknown,
      auditController?: unknown,
    ): Promise<{ init: Promise<void>; close: () => Promise<void> }> {
      const moduleRef = await Test.createTestingModule({
        imports: [
          EventsModule.forRootAsync({
            useFactory: () => ({ audit: factoryAudit as never }),
            auditController: auditController as never,
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      return { init: app.init().then(() => undefined), close: () => app.close().catch(() => undefined) };
    }

    it('refuses a controller in the factory options, pointing at auditController', async () => {
      const { init, close } = await initAsync({
        store: new MemoryAuditStore(),
        controller: { guard: HeaderGuard },
      });
      await expect(init).rejects.toThrow(EventsConfigError);
      await expect(init).rejects.toThrow('forRootAsync({ auditController })');
      await close();
    });

    it('refuses auditController when the factory leaves the audit trail off', async () => {
      const { init, close } = await initAsync(false, { guard: HeaderGuard });
      await expect(init).rejects.toThrow('"auditController"');
      await close();
    });

    it('refuses a controller given in both places', async () => {
      const { init, close } = await initAsync(
        { store: new MemoryAuditStore(), controller: { guard: HeaderGuard } },
        { guard: HeaderGuard },
      );
      await expect(init).rejects.toThrow('one controller, one place');
      await close();
    });

    it('checks auditController when the module is built: a guard is required', () => {
      expect(() =>
        EventsModule.forRootAsync({ useFactory: () => ({}), auditController: {} as never }),
      ).toThrow('auditController.guard');
      expect(() =>
        EventsModule.forRootAsync({
          useFactory: () => ({}),
          auditController: { guard: HeaderGuard, path: 'not a path' },
        }),
      ).toThrow('auditController.path');
    });
  });

  it('works with forRootAsync', async () => {
    const store = new MemoryAuditStore();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventsModule.forRootAsync({
          useFactory: async () => ({ audit: { store, durability: 'sync' as const } }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await app.get(EventBusService).emitAsync(UserCreated, { id: 'u1', email: 'e' });
    expect(store.rows).toHaveLength(1);
    expect(await app.get(AuditService).verify()).toMatchObject({ ok: true, checked: 1 });
    await app.close();
  });

  describe('REST controller', () => {
    // A real SQLite file: the controller's query and verify go through the SQL a real app's store runs.
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'audit-rest-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('serves GET /audit and GET /audit/verify behind the guard', async () => {
      @Module({
        imports: [
          EventsModule.forRoot({
            audit: {
              store: new SqliteAuditStore({ path: join(dir, 'audit.db') }),
              durability: 'sync',
              controller: { guard: HeaderGuard, path: 'admin/audit' },
            },
          }),
        ],
      })
      class AppModule {}
      const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication({
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      try {
        const bus = app.get(EventBusService);
        for (let i = 0; i < 3; i++)
          await bus.emitAsync(UserCreated, { id: `u${i}`, email: 'e' }, { actorId: `a${i}` });
        const base = await app.getUrl();
        const denied = await fetch(`${base}/admin/audit`);
        expect(denied.status).toBe(403);
        const auth = { headers: { 'x-auditor': 'yes' } };
        const page = (await (await fetch(`${base}/admin/audit?limit=2`, auth)).json()) as any;
        expect(page.records.map((r: { seq: number }) => r.seq)).toEqual([1, 2]);
        const next = (await (
          await fetch(`${base}/admin/audit?cursor=${page.nextCursor}`, auth)
        ).json()) as any;
        expect(next.records.map((r: { seq: number }) => r.seq)).toEqual([3]);
        const byActor = (await (await fetch(`${base}/admin/audit?actorId=a1`, auth)).json()) as any;
        expect(byActor.records).toHaveLength(1);
        expect((await fetch(`${base}/admin/audit?limit=abc`, auth)).status).toBe(400);
        const verify = (await (await fetch(`${base}/admin/audit/verify`, auth)).json()) as any;
        expect(verify).toMatchObject({ ok: true, checked: 3 });
        const head = verify.head;
        const againstHead = (await (
          await fetch(`${base}/admin/audit/verify?headSeq=${head.seq}&headHash=${head.hash}`, auth)
        ).json()) as any;
        expect(againstHead.ok).toBe(true);
        expect((await fetch(`${base}/admin/audit/verify`)).status).toBe(403);
      } finally {
        await app.close();
      }
    });

    it('serves the routes given as auditController to forRootAsync, from options built by a factory', async () => {
      @Injectable()
      class AuditConfig {
        readonly store = new SqliteAuditStore({ path: join(dir, 'audit.db') });
      }
      @Module({ providers: [AuditConfig], exports: [AuditConfig] })
      class ConfigModule {}
      @Module({
        imports: [
          EventsModule.forRootAsync({
            imports: [ConfigModule],
            inject: [AuditConfig],
            useFactory: async (config: AuditConfig) => ({
              audit: { store: config.store, durability: 'sync' as const },
            }),
            auditController: { guard: HeaderGuard, path: 'ops/audit' },
          }),
        ],
      })
      class AppModule {}
      const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication({
        logger: false,
      });
      await app.listen(0, '127.0.0.1');
      try {
        await app.get(EventBusService).emitAsync(UserCreated, { id: 'u1', email: 'e' }, { actorId: 'a1' });
        const base = await app.getUrl();
        expect((await fetch(`${base}/ops/audit`)).status).toBe(403);
        const auth = { headers: { 'x-auditor': 'yes' } };
        const page = (await (await fetch(`${base}/ops/audit?actorId=a1`, auth)).json()) as {
          records: { seq: number; type: string }[];
        };
        expect(page.records).toMatchObject([{ seq: 1, type: 'user.created' }]);
        const verify = (await (await fetch(`${base}/ops/audit/verify`, auth)).json()) as unknown;
        expect(verify).toMatchObject({ ok: true, checked: 1 });
      } finally {
        await app.close();
      }
    });

    it('is not served unless configured', async () => {
      const { app } = await start({ store: new MemoryAuditStore() });
      await app.listen(0, '127.0.0.1');
      expect((await fetch(`${await app.getUrl()}/audit`)).status).toBe(404);
    });
  });
});
