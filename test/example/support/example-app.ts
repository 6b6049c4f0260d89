import type { INestApplication, LoggerService, LogLevel, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService, EventBusService } from 'nestjs-event-bus';
import { OUTBOX_STORE, type OutboxStore } from 'nestjs-event-bus/outbox';
import { DataSource } from 'typeorm';
import { AppModule } from '../../../src/app.module';
import { APP_CONFIG, loadAppConfig, type AppConfig } from '../../../src/config/app.config';
import { setupOpenApi } from '../../../src/openapi/openapi.setup';
import { FIRST_ADMIN_USERNAME } from '../../../src/users/first-admin.seeder';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../../support/postgres';
import { until } from '../../support/wait';

/** The first administrator's password in tests (`ADMIN_PASSWORD`), unless a test sets `adminPassword` itself. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

/** One HTTP answer, body parsed as JSON when it is JSON. */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  correlationId: string;
}

/** A logged-in user: their id and the access token `POST /auth/login` gave them. */
export interface Session {
  id: string;
  username: string;
  token: string;
}

/** The example app running on a real port, with handles into it for assertions. */
export interface ExampleApp {
  app: INestApplication;
  url: string;
  bus: EventBusService;
  audit: AuditService;
  /** The app's TypeORM `DataSource` (SQLite or PostgreSQL), for assertions on its tables. */
  dataSource: DataSource;
  config: AppConfig;
  /** A request as a logged-in user (`as`: a session or a raw token, sent as a bearer token), or anonymous. */
  call<T = any>(
    method: string,
    path: string,
    options?: { as?: Session | string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply<T>>;
  /** Logs in over HTTP; throws unless it answers 200. */
  login(username: string, password: string): Promise<Session>;
  /** Signs up over HTTP (`<username>@example.com`, password `<username>-password-1` unless given), then logs in. */
  signUp(username: string, password?: string): Promise<Session>;
  /** The first administrator, logged in with `TEST_ADMIN_PASSWORD` (once per app; the session is reused). */
  admin(): Promise<Session>;
  /** The app's outbox store (its `event_outbox` table), for assertions on the rows waiting there. */
  outbox: OutboxStore;
  /**
   * Waits until every event emitted so far has been handled: no outbox row waits for the relay (events of
   * committed transactions are delivered shortly after the response) and no handler runs or waits to retry
   * (emails retry after a greylisting deferral).
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh temporary DATA_DIR for one test file. */
export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'example-app-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a test may set of the app's config: a data directory at least. */
export type ExampleAppConfig = Partial<AppConfig> & { dataDir: string };

/**
 * Declares `suite` twice: on a SQLite file ("example app on SQLite: <title>") and on a PostgreSQL schema of its own
 * ("example app on PostgreSQL: <title>", skipped when PostgreSQL is unreachable). `suite` starts its app with the
 * config it is given; the data directory and the schema are removed after the suite's own `afterAll` hooks (which
 * close the app).
 */
export function onBothEngines(
  title: string,
  schemaPrefix: string,
  suite: (config: () => ExampleAppConfig) => void,
): void {
  describe(`example app on SQLite: ${title}`, () => {
    const data = tempDataDir();
    suite(() => ({ dataDir: data.dir }));
    afterAll(() => data.remove());
  });
  describePostgres(`example app on PostgreSQL: ${title}`, () => {
    const data = tempDataDir();
    const schema = uniqueSchema(schemaPrefix);
    suite(() => ({ dataDir: data.dir, databaseUrl: DATABASE_URL, databaseSchema: schema }));
    afterAll(async () => {
      await dropSchema(schema);
      data.remove();
    });
  });
}

/**
 * Boots the real `AppModule` as `npm start` does (OpenAPI at /docs included), listening on 127.0.0.1 and a free
 * port. The config is the defaults of an empty environment, except: no invite sweep, the admin password
 * `TEST_ADMIN_PASSWORD` and a login/sign-up limit no test reaches; `config` overrides any of it. `providers` are
 * added beside the app (a test's own listener, say).
 */
export async function startExampleApp(
  config: ExampleAppConfig,
  logger: LoggerService | LogLevel[] | false = ['error'],
  providers: Provider[] = [],
): Promise<ExampleApp> {
  const full: AppConfig = {
    ...loadAppConfig({}),
    port: 0,
    inviteSweepMs: 0,
    adminPassword: TEST_ADMIN_PASSWORD,
    authRateLimit: 100_000,
    ...config,
  };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule], providers })
    .overrideProvider(APP_CONFIG)
    .useValue(full)
    .compile();
  const app = moduleRef.createNestApplication({ logger });
  setupOpenApi(app);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // An app that refused to start has already opened its database and started its relay: close what it holds.
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = await app.getUrl();
  const bus = app.get(EventBusService);
  const outbox = app.get<OutboxStore>(OUTBOX_STORE);
  let admin: Promise<Session> | undefined;

  const call: ExampleApp['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.as !== undefined) {
      const token = typeof options.as === 'string' ? options.as : options.as.token;
      headers.authorization = `Bearer ${token}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return {
      status: response.status,
      body: body as any,
      headers: response.headers,
      correlationId: response.headers.get('x-correlation-id') ?? '',
    };
  };

  const login: ExampleApp['login'] = async (username, password) => {
    const reply = await call('POST', '/auth/login', { body: { username, password } });
    if (reply.status !== 200) {
      throw new Error(`login as ${username}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    return { id: reply.body.user.id, username, token: reply.body.accessToken };
  };

  return {
    app,
    url,
    bus,
    audit: app.get(AuditService),
    dataSource: app.get(DataSource),
    config: full,
    call,
    login,
    async signUp(username, password = `${username}-password-1`) {
      const reply = await call('POST', '/users', {
        body: { username, email: `${username}@example.com`, password },
      });
      if (reply.status !== 201) {
        throw new Error(`sign up ${username}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
      }
      return login(username, password);
    },
    admin: () => (admin ??= login(FIRST_ADMIN_USERNAME, full.adminPassword ?? TEST_ADMIN_PASSWORD)),
    outbox,
    async settle() {
      // A row is deleted only once its handlers settled, and what they emitted is by then a row of its own or a
      // handler in flight. No handler before the count, no row, and none after: nothing is left to come.
      await until(async () => {
        if (bus.pending > 0) return false;
        return (await outbox.inspect()).rows === 0 && bus.pending === 0;
      }, 10_000);
      await bus.drain(10_000);
    },
    close: () => app.close(),
  };
}
