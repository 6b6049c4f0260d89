import type { OutboxRecord } from 'nestjs-event-bus/outbox';
import { PostgresOutboxStore } from 'nestjs-event-bus/outbox';
import { DATABASE_URL, describePostgres } from '../support/postgres';
import { until } from '../support/wait';
import { commit, entry } from './support/outbox-backends';
import { postgresBackend } from './support/postgres-backend';
import { describeRelayOn, recordingLogger, Relays } from './support/relay-scenarios';
import { TcpProxy } from './support/tcp-proxy';

describePostgres('OutboxRelay on PostgreSQL (real server, a schema of its own)', () => {
  describeRelayOn(postgresBackend);

  let db: ReturnType<typeof postgresBackend>;
  let relays: Relays;
  beforeEach(() => {
    db = postgresBackend();
    relays = new Relays();
  });
  afterEach(async () => {
    await relays.stopAll();
    await db.close();
  });

  it('wakes on the NOTIFY of a commit made by another connection', async () => {
    const store = db.store();
    await store.prepare();
    const delivered: OutboxRecord[] = [];
    const relay = relays.make(store, async (record) => void delivered.push(record), {
      pollIntervalMs: 600_000,
    });
    await relay.start();
    await relay.flushOnce();
    const written = entry('k', 1);
    await commit(db, db.store(), [written]);
    await until(() => delivered.length === 1, 10_000);
    expect(delivered[0].eventId).toBe(written.eventId);
  });

  it('backs off while PostgreSQL is unreachable, loses nothing, and resumes once it is back', async () => {
    const writer = db.store();
    await writer.prepare();
    const target = new URL(DATABASE_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const throughProxy = new URL(DATABASE_URL);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    const store = new PostgresOutboxStore({ connection: throughProxy.toString(), schema: db.schema });
    const delivered: OutboxRecord[] = [];
    const logger = recordingLogger();
    const relay = relays.make(store, async (record) => void delivered.push(record), {
      pollIntervalMs: 20,
      retryDelayMs: 20,
      maxRetryDelayMs: 200,
      logger,
    });
    try {
      await commit(
        db,
        writer,
        Array.from({ length: 10 }, (_, i) => entry(`k${i % 3}`, i)),
      );
      await relay.start();
      await until(() => delivered.length === 10, 10_000);

      await proxy.stop();
      await commit(
        db,
        writer,
        Array.from({ length: 20 }, (_, i) => entry(`k${i % 3}`, 10 + i)),
      );
      await until(() => relay.stats().storeFailures >= 3, 10_000);
      expect(delivered).toHaveLength(10);
      expect(logger.warnings.filter((w) => w.includes('the outbox at'))).toHaveLength(1);

      await proxy.start();
      await until(async () => delivered.length === 30 && (await writer.inspect()).rows === 0, 20_000);
      expect(new Set(delivered.map((r) => r.eventId)).size).toBe(30);
      // The relay's answers come through the proxy, one hop behind what the writer's own connection sees.
      await until(() => logger.logs.some((line) => line.includes('the outbox works again')));
    } finally {
      await relay.stop();
      await store.close();
      await proxy.stop();
    }
  }, 60_000);
});
