import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditRecordRefusedError,
  defineEvent,
  EnvelopeTextError,
  EventContext,
  EventValidationError,
  PostgresAuditStore,
  SqliteAuditStore,
  type AuditEntry,
  type AuditOptions,
  type AuditStore,
  type BusEvent,
} from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import { UserCreated, startAuditApp, type AuditApp } from './fixtures/audit-app.fixture';
import { postgresAuditSuite } from './support/postgres-suite';

// Finding C9 of the reliability report: an envelope string a store cannot write (a lone surrogate anywhere, NUL on
// PostgreSQL) was accepted and then blocked every later record of the trail for good.

const HOSTILE_ACTORS: [string, string][] = [
  ['a lone surrogate', 'alice\ud800'],
  ['a NUL byte', 'alice\u0000'],
  ['201 characters', 'a'.repeat(201)],
];

/** Refuses the record of one event id (as a store with a stricter schema would); a real store underneath. */
class RefusingStore implements AuditStore {
  constructor(
    private readonly inner: AuditStore,
    private readonly refusedEventId: () => string | undefined,
  ) {}
  init = () => this.inner.init();
  query: AuditStore['query'] = (q) => this.inner.query(q);
  head = () => this.inner.head();
  close = () => this.inner.close();
  async append(entries: readonly AuditEntry[]): Promise<void> {
    const refused = this.refusedEventId();
    if (entries.some((e) => e.eventId === refused && !e.data.includes('$refused'))) {
      throw new AuditRecordRefusedError('this store takes no such record');
    }
    await this.inner.append(entries);
  }
}

/** The scenarios, run against each store. */
function envelopeScenarios(open: () => AuditStore, apps: AuditApp[]): void {
  async function start(options: AuditOptions = {}, logger?: CaptureLogger): Promise<AuditApp> {
    const started = await startAuditApp({ store: open(), batch: { maxDelayMs: 5 }, ...options }, {}, logger);
    apps.push(started);
    return started;
  }

  it.each(HOSTILE_ACTORS)(
    'refuses an actor id with %s at setActor(), run() and emit(), naming the rule, never the value',
    async (_name, actor) => {
      const { app, bus } = await start();
      const context = app.get(EventContext);
      const setActor = () => context.run(() => context.setActor(actor));
      expect(setActor).toThrow(EnvelopeTextError);
      expect(setActor).toThrow(/EventContext\.setActor\(\): actorId must/);
      expect(() => context.run(() => undefined, { actorId: actor })).toThrow(EnvelopeTextError);
      expect(() => context.run(() => context.setCorrelationId(actor))).toThrow(EnvelopeTextError);
      expect(() => bus.emit(UserCreated, { id: 'u1', email: 'e' }, { actorId: actor })).toThrow(
        EventValidationError,
      );
      try {
        setActor();
      } catch (error) {
        expect((error as Error).message).not.toContain(actor);
      }
    },
  );

  it.each(HOSTILE_ACTORS)(
    'stores an event that bypassed the checks (middleware) with its actor (%s) sanitised, and goes on',
    async (_name, actor) => {
      const logger = new CaptureLogger();
      const { bus, audit } = await start({}, logger);
      const remove = bus.use({
        before: (event: BusEvent) =>
          (event.data as { id: string }).id === 'bad' ? { ...event, actorId: actor } : event,
      });
      bus.emit(UserCreated, { id: 'bad', email: 'e' });
      remove();
      for (let i = 0; i < 20; i++) bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
      await audit.flush();
      const { records } = await audit.query({ limit: 100 });
      expect(records).toHaveLength(21);
      expect(records[0].actorId).toMatch(/\ufffd|\u2026$/);
      expect(records[0].actorId!.length).toBeLessThanOrEqual(200);
      expect(audit.stats()).toMatchObject({ written: 21, buffered: 0, sanitized: 1 });
      expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('stored sanitised'))).toBe(
        true,
      );
      await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 21 });
    },
  );

  it('writes a placeholder for a record the store refuses, counts it, and writes every record behind it', async () => {
    let refused: string | undefined;
    const logger = new CaptureLogger();
    const store = new RefusingStore(open(), () => refused);
    const { bus, audit } = await start({ store, batch: { maxSize: 50, maxDelayMs: 60_000 } }, logger);
    for (let i = 0; i < 30; i++) {
      const event = bus.emit(UserCreated, { id: `u${i}`, email: 'e' });
      if (i === 17) refused = event.id;
    }
    await audit.flush();
    const { records } = await audit.query({ limit: 100 });
    expect(records).toHaveLength(30);
    expect(records[17]).toMatchObject({
      eventId: refused,
      data: { $refused: { reason: expect.any(String) } },
    });
    expect(records.filter((r) => (r.data as { id?: string }).id !== undefined)).toHaveLength(29);
    expect(audit.stats()).toMatchObject({ written: 29, refused: 1, buffered: 0 });
    expect(
      logger.lines.some((l) => l.level === 'error' && l.message.includes('was refused by the store')),
    ).toBe(true);
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 30 });
  });
}

describe('audit trail on SQLite: envelope strings a store cannot write', () => {
  let dir: string;
  const apps: AuditApp[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-envelope-'));
  });
  afterEach(async () => {
    for (const { app } of apps.splice(0)) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  envelopeScenarios(() => new SqliteAuditStore({ path: join(dir, 'audit.db') }), apps);
});

describePostgres('audit trail on PostgreSQL: envelope strings a store cannot write', () => {
  const pg = postgresAuditSuite('audit_envelope');
  envelopeScenarios(
    () => new PostgresAuditStore({ connectionString: DATABASE_URL, schema: pg.schema }),
    pg.apps,
  );

  it('writes a placeholder for a version PostgreSQL cannot hold (integer column), and goes on', async () => {
    const Huge = defineEvent<{ id: string }>('huge.version', { audit: true, version: 3_000_000_000 });
    const store = new PostgresAuditStore({ connectionString: DATABASE_URL, schema: pg.schema });
    const started = await startAuditApp({ store, batch: { maxDelayMs: 5 } }, { definitions: [Huge] });
    pg.apps.push(started);
    const { bus, audit } = started;
    bus.emit(UserCreated, { id: 'before', email: 'e' });
    bus.emit(Huge, { id: 'huge' });
    bus.emit(UserCreated, { id: 'after', email: 'e' });
    await audit.flush();
    const { records } = await audit.query();
    expect(records.map((r) => [r.type, r.version, r.data])).toEqual([
      ['user.created', 1, { id: 'before', email: 'e' }],
      [
        'huge.version',
        1,
        { $refused: { reason: expect.stringMatching(/out of range/), version: 3_000_000_000 } },
      ],
      ['user.created', 1, { id: 'after', email: 'e' }],
    ]);
    expect(audit.stats()).toMatchObject({ refused: 1, buffered: 0 });
    await expect(audit.verify()).resolves.toMatchObject({ ok: true, checked: 3 });
  });
});
