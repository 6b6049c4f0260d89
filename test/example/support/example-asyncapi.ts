import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EVENTS_MODULE_OPTIONS,
  EventCatalog,
  type AsyncApiDocument,
  type EventTransport,
} from 'nestjs-event-bus';
import { RedisStreamsTransport } from 'nestjs-event-bus/redis';
import type { Registry } from 'prom-client';
import { ApiModule, WorkerModule } from '../../../src/app.module';
import { APP_CONFIG, loadAppConfig, type AppConfig } from '../../../src/config/app.config';
import { eventsOptions } from '../../../src/events/events-options.factory';
import { METRICS_REGISTRY } from '../../../src/metrics/metrics.tokens';

/** The example app's services as it runs as two processes, each with its AsyncAPI document in docs/. */
export const ASYNCAPI_SERVICES = {
  api: { module: ApiModule, file: 'docs/asyncapi.example-api.json', title: 'Example app: the API' },
  worker: {
    module: WorkerModule,
    file: 'docs/asyncapi.example-worker.json',
    title: 'Example app: the worker',
  },
} as const;

/** Where `npm start` with `REDIS_URL` finds Redis by default, as the documents say. */
const DOCUMENTED_REDIS = 'redis://127.0.0.1:6379';

/**
 * The example app's Redis transport as it is configured (`REDIS_PREFIX` `example`), described but never
 * connected: the document needs its channels, not a server.
 */
function describedTransport(config: AppConfig): EventTransport {
  const real = new RedisStreamsTransport({ connection: DOCUMENTED_REDIS, prefix: config.redisPrefix });
  return {
    name: real.name,
    remote: true,
    publish: () => Promise.reject(new Error('The AsyncAPI generator publishes nothing.')),
    consume: () => Promise.resolve(),
    close: () => Promise.resolve(),
    describe: () => real.describe(),
  };
}

/**
 * Boots one service of the example app (SQLite in a temporary folder, its Redis transport described only)
 * and returns its AsyncAPI document, as `npm run docs:asyncapi` writes it.
 */
export async function exampleAsyncApi(role: keyof typeof ASYNCAPI_SERVICES): Promise<AsyncApiDocument> {
  const service = ASYNCAPI_SERVICES[role];
  const dataDir = mkdtempSync(join(tmpdir(), 'example-asyncapi-'));
  const config: AppConfig = {
    ...loadAppConfig({}),
    dataDir,
    redisUrl: DOCUMENTED_REDIS,
    adminPassword: 'asyncapi-generator-only',
    inviteSweepMs: 0,
  };
  const moduleRef = await Test.createTestingModule({ imports: [service.module] })
    .overrideProvider(APP_CONFIG)
    .useValue(config)
    .overrideProvider(EVENTS_MODULE_OPTIONS)
    .useFactory({
      inject: [METRICS_REGISTRY],
      factory: (registry: Registry) => ({
        ...eventsOptions(config, registry, role),
        transport: describedTransport(config),
        // Recording in memory: the generator opens no connection to Redis.
        trace: {},
      }),
    })
    .compile();
  moduleRef.useLogger(false);
  try {
    await moduleRef.init();
    return moduleRef.get(EventCatalog).asyncApi({ title: service.title, version: '1.0.0' });
  } finally {
    await moduleRef.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The document as the file holds it: two-space JSON and a final newline. */
export function asyncApiText(document: AsyncApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
