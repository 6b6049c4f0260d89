import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService, EventBusService } from 'nestjs-event-bus';
import { AppModule } from '../../../src/app.module';
import { APP_CONFIG, type AppConfig } from '../../../src/config/app.config';
import { Database } from '../../../src/database/database';

/** One HTTP answer, body parsed as JSON when it is JSON. */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  correlationId: string;
}

/** The example app running on a real port, with handles into it for assertions. */
export interface ExampleApp {
  app: INestApplication;
  url: string;
  bus: EventBusService;
  audit: AuditService;
  db: Database;
  config: AppConfig;
  /** A request as `userId` (sent as `x-user-id`), or anonymous. */
  call<T = any>(
    method: string,
    path: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply<T>>;
  /** Waits until no handler runs or waits to retry (emails retry after a greylisting deferral). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh temporary DATA_DIR for one test file. */
export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'example-app-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Boots the real `AppModule` with the given config, listening on 127.0.0.1 and a free port. */
export async function startExampleApp(config: Partial<AppConfig> & { dataDir: string }): Promise<ExampleApp> {
  const full: AppConfig = { port: 0, inviteSweepMs: 0, ...config };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(APP_CONFIG)
    .useValue(full)
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const bus = app.get(EventBusService);
  return {
    app,
    url,
    bus,
    audit: app.get(AuditService),
    db: app.get(Database),
    config: full,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.as) headers['x-user-id'] = options.as;
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
    },
    settle: () => bus.drain(10_000),
    close: () => app.close(),
  };
}
