import { Pool } from 'pg';
import { AuditService, EventBusService, EventsModule, PostgresAuditStore } from 'nestjs-event-bus';
import { DATABASE_URL, describePostgres, uniqueSchema } from '../support/postgres';
import {
  HEALTH_CONTROLLERS,
  HEALTH_IMPORTS,
  HEALTH_PROVIDERS,
  PaymentCaptured,
  ReceiptRequested,
} from './fixtures/health.fixture';
import { scrape } from './support/prometheus-text';
import { startApp, type RunningApp } from './support/start-app';

interface HealthBody {
  status: string;
  info: Record<string, { status: string } & Record<string, unknown>>;
  error: Record<string, { status: string; message?: string } & Record<string, unknown>>;
}

async function getHealth(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

/** The URL of `database` on the test server. */
function urlOf(database: string): string {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

describePostgres(
  'health indicators behind @nestjs/terminus, with the audit trail in a PostgreSQL database of the test’s own',
  () => {
    let admin: Pool;
    let database: string;
    let running: RunningApp;

    beforeAll(async () => {
      admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
      database = uniqueSchema('events_health');
      await admin.query(`CREATE DATABASE "${database}"`);
      running = await startApp('express', {
        imports: [
          ...HEALTH_IMPORTS,
          EventsModule.forRoot({
            definitions: [PaymentCaptured, ReceiptRequested],
            audit: {
              store: new PostgresAuditStore({
                connectionString: urlOf(database),
                connectionTimeoutMillis: 2000,
              }),
            },
            metrics: { endpoint: '/metrics' },
          }),
        ],
        controllers: HEALTH_CONTROLLERS,
        providers: HEALTH_PROVIDERS,
      });
    });

    afterAll(async () => {
      await running?.app.close().catch(() => undefined);
      if (admin) {
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await admin.end();
      }
    });

    it('is green while the bus is calm and the audit store answers', async () => {
      const bus = running.app.get(EventBusService);
      for (let i = 0; i < 5; i++) bus.emit(PaymentCaptured, { amount: i });
      await running.app.get(AuditService).flush();

      const { status, body } = await getHealth(running.url);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info.events).toMatchObject({ status: 'up', inFlight: 0, newDeadLetters: 0 });
      expect(body.info.audit).toMatchObject({ status: 'up', buffered: 0, written: 5, writeFailures: 0 });
      expect(typeof body.info.audit.lastWriteAgeMs).toBe('number');

      const { metrics } = await scrape(`${running.url}/metrics`);
      expect(metrics.value('events_audit_records_total', { outcome: 'success' })).toBe(5);
      expect(metrics.value('events_audit_records_total', { outcome: 'failure' })).toBe(0);
      expect(metrics.value('events_audit_write_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(metrics.value('events_audit_buffered_records')).toBe(0);
    });

    it('turns red on the bus indicator when dead letters pile up', async () => {
      const bus = running.app.get(EventBusService);
      for (let id = 0; id < 3; id++) bus.emit(ReceiptRequested, { id });
      const { status, body } = await getHealth(running.url);
      expect(status).toBe(503);
      expect(body.error.events).toMatchObject({ status: 'down', newDeadLetters: 3 });
      expect(body.error.events.message).toContain('3 new dead letters');
      expect(body.info.audit.status).toBe('up');
    });

    it('turns red on the audit indicator once its database stops accepting connections', async () => {
      await admin.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        database,
      ]);

      const { status, body } = await getHealth(running.url);
      expect(status).toBe(503);
      expect(body.error.audit.status).toBe('down');
      expect(body.error.audit.message).toContain('the audit store is unreachable');
    });
  },
);
