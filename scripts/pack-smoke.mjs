// Proves the published shape of the plugin: packs libs/events with `npm pack`, installs the tarball into a
// scratch Nest 12 CommonJS app (fresh from the registry, outside this workspace), boots it with
// EventsModule.forRoot(), emits an event to an @OnEvent listener, and type-checks a TypeScript consumer
// against the packed .d.ts files. The scratch app does not install ioredis (an optional peer): the root entry must
// boot without loading it, and nestjs-event-bus/redis must load and say clearly that it needs it. Likewise for
// @opentelemetry/api and nestjs-event-bus/otel, and for the outbox's peers (pg, better-sqlite3,
// @nestjs-cls/transactional) and nestjs-event-bus/outbox.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'nestjs-event-bus-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  if (!existsSync(join(root, 'libs/events/dist/index.js'))) run('npm', ['run', 'build:lib'], root);
  const packed = JSON.parse(
    run('npm', ['pack', './libs/events', '--json', '--pack-destination', scratch], root),
  );
  const tarball = join(scratch, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  const requiredFiles = [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/testing/index.js',
    'dist/redis/index.js',
    'dist/redis/index.d.ts',
    'dist/otel/index.js',
    'dist/otel/index.d.ts',
    'dist/outbox/index.js',
    'dist/outbox/index.d.ts',
    'package.json',
    'README.md',
    'LICENSE',
  ];
  for (const required of requiredFiles) {
    if (!files.includes(required)) throw new Error(`the packed tarball lacks ${required}`);
  }
  if (files.some((f) => f.endsWith('.spec.js') || f.startsWith('src/'))) {
    throw new Error('the packed tarball ships sources or specs');
  }

  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const versionOf = (name) => rootPkg.dependencies[name] ?? rootPkg.devDependencies[name];
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({
      name: 'scratch-consumer',
      private: true,
      type: 'commonjs',
      dependencies: {
        '@nestjs/common': versionOf('@nestjs/common'),
        '@nestjs/core': versionOf('@nestjs/core'),
        'nestjs-cls': versionOf('nestjs-cls'),
        'reflect-metadata': versionOf('reflect-metadata'),
        rxjs: versionOf('rxjs'),
        'nestjs-event-bus': `file:${tarball}`,
      },
    }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], scratch);
  const namingOtel = files.filter(
    (f) =>
      f.startsWith('dist/') &&
      !f.startsWith('dist/otel/') &&
      readFileSync(join(scratch, 'node_modules/nestjs-event-bus', f), 'utf8').includes('@opentelemetry/api'),
  );
  if (namingOtel.length > 0) {
    throw new Error(`files outside dist/otel/ name @opentelemetry/api: ${namingOtel.join(', ')}`);
  }
  const dangling = danglingSourceMaps(join(scratch, 'node_modules/nestjs-event-bus'), files);
  if (dangling.length > 0) {
    throw new Error(
      `the packed tarball has source maps pointing at files it does not ship: ${dangling.join(', ')}`,
    );
  }
  const packedPkg = JSON.parse(
    readFileSync(join(scratch, 'node_modules/nestjs-event-bus/package.json'), 'utf8'),
  );
  for (const field of ['repository', 'homepage', 'bugs', 'license']) {
    if (!packedPkg[field]) throw new Error(`the packed package.json has no "${field}"`);
  }

  writeFileSync(
    join(scratch, 'main.js'),
    `require('reflect-metadata');
const { Module, Injectable } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { EventsModule, EventBusService, OnEvent, defineEvent } = require('nestjs-event-bus');
const { EventRecorder } = require('nestjs-event-bus/testing');

const OrderPlaced = defineEvent('order.placed');
class Listener {
  constructor() { this.seen = []; }
  onOrder(event) { this.seen.push(event); }
}
Injectable()(Listener);
OnEvent(OrderPlaced)(Listener.prototype, 'onOrder', Object.getOwnPropertyDescriptor(Listener.prototype, 'onOrder'));
class AppModule {}
Module({ imports: [EventsModule.forRoot({ source: 'scratch' })], providers: [Listener] })(AppModule);

(async () => {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const recorder = EventRecorder.attach(app);
  const event = app.get(EventBusService).emit(OrderPlaced, { id: 'o-1' });
  recorder.expectEvent('order.placed', { id: 'o-1' });
  const seen = app.get(Listener).seen;
  await app.close();
  const ioredisLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/ioredis/'));
  const rootLoadedIoredis = ioredisLoaded();
  const { RedisStreamsTransport, RedisClientMissingError } = require('nestjs-event-bus/redis');
  const transport = new RedisStreamsTransport({ prefix: 'scratch' });
  const missing = await transport.consume(async () => {}, { group: 'scratch', accepts: () => true }).then(
    () => 'consumed without ioredis?',
    (error) => (error instanceof RedisClientMissingError && /npm install ioredis/.test(error.message) ? 'needs ioredis' : String(error)),
  );
  const otelApiLoaded = () => Object.keys(require.cache).some((path) => path.includes('/node_modules/@opentelemetry/api/'));
  const rootLoadedOtel = otelApiLoaded();
  const { openTelemetry, OpenTelemetryApiMissingError } = require('nestjs-event-bus/otel');
  let otel;
  try {
    openTelemetry();
    otel = 'made without @opentelemetry/api?';
  } catch (error) {
    otel = error instanceof OpenTelemetryApiMissingError && /npm install @opentelemetry\\/api/.test(error.message) ? 'needs @opentelemetry/api' : String(error);
  }
  const outboxPeers = ['pg', 'better-sqlite3', '@nestjs-cls/transactional'];
  const rootLoadedOutboxPeers = outboxPeers.filter((peer) => Object.keys(require.cache).some((path) => path.includes('/node_modules/' + peer + '/')));
  const outbox = require('nestjs-event-bus/outbox');
  const outboxLoaded = typeof outbox.OutboxStoreError === 'function' && typeof outbox.OUTBOX_STORE === 'symbol';
  const needs = (make, peer) => {
    try {
      make();
      return 'made without ' + peer + '?';
    } catch (error) {
      return error instanceof outbox.OutboxStoreError && error.message.includes('npm install ' + peer) ? 'needs ' + peer : String(error);
    }
  };
  const outboxStores = [
    needs(() => new outbox.SqliteOutboxStore({ file: 'outbox.db' }), 'better-sqlite3'),
    needs(() => new outbox.PostgresOutboxStore({ connection: 'postgres://127.0.0.1:1/app' }), 'pg'),
  ];
  const adapterMade = typeof new outbox.TransactionalAdapterPg({ poolToken: 'PG_POOL' }).optionsFactory === 'function';
  console.log(JSON.stringify({ delivered: seen.length, type: event.type, source: event.source, frozen: Object.isFrozen(event), rootLoadedIoredis, redis: missing, rootLoadedOtel, otel, rootLoadedOutboxPeers, outboxLoaded, outboxStores, adapterMade }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  const output = JSON.parse(run('node', ['main.js'], scratch).trim().split('\n').pop());
  const expected = {
    delivered: 1,
    type: 'order.placed',
    source: 'scratch',
    frozen: true,
    rootLoadedIoredis: false,
    redis: 'needs ioredis',
    rootLoadedOtel: false,
    otel: 'needs @opentelemetry/api',
    rootLoadedOutboxPeers: [],
    outboxLoaded: true,
    outboxStores: ['needs better-sqlite3', 'needs pg'],
    adapterMade: true,
  };
  for (const peer of ['ioredis', '@opentelemetry/api', 'pg', 'better-sqlite3', '@nestjs-cls/transactional']) {
    if (existsSync(join(scratch, 'node_modules', peer))) {
      throw new Error(`the scratch app has ${peer} installed: an optional peer must not be installed for it`);
    }
  }
  if (JSON.stringify(output) !== JSON.stringify(expected)) {
    throw new Error(`scratch app printed ${JSON.stringify(output)}, expected ${JSON.stringify(expected)}`);
  }

  writeFileSync(
    join(scratch, 'consumer.ts'),
    `import { defineEvent, EventBusService, type BusEvent } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { RedisStreamsTransport, type RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import { openTelemetry, type OpenTelemetryOptions } from 'nestjs-event-bus/otel';
import type { BusTelemetry, EventsModuleOptions } from 'nestjs-event-bus';
import {
  OUTBOX_STORE,
  OutboxRelay,
  PostgresOutboxStore,
  SqliteOutboxStore,
  TransactionalAdapterPg,
  type OutboxRecord,
  type OutboxStore,
  type OutboxRelayOptions,
} from 'nestjs-event-bus/outbox';
export const relayOptions: OutboxRelayOptions = { batchSize: 50, pollIntervalMs: 500 };
export const outboxToken: symbol = OUTBOX_STORE;
export const stores: OutboxStore[] = [
  new SqliteOutboxStore({ file: 'app.db', table: 'outbox' }),
  new PostgresOutboxStore({ connection: 'postgres://db/app', schema: 'events' }),
];
export const relay = new OutboxRelay(stores[0], async (record: OutboxRecord) => void record.body.length, relayOptions);
export const published: number = relay.stats().published;
export const adapter = new TransactionalAdapterPg({ poolToken: 'PG_POOL', defaultTxOptions: { isolationLevel: 'SERIALIZABLE' } });
// @ts-expect-error the relay's options are checked by type too
export const wrong: OutboxRelayOptions = { batchsize: 10 };
const otelOptions: OpenTelemetryOptions = { links: 'link-only', tracerName: 'orders' };
export const tracing: EventsModuleOptions = { telemetry: openTelemetry(otelOptions) };
export const own: BusTelemetry = { active: () => true, startAttempt: () => ({ run: (handler) => handler(), succeeded() {}, failed() {} }) };
const redisOptions: RedisStreamsTransportOptions = { prefix: 'orders', maxInFlight: 8, dedupe: { windowMs: 60_000 } };
export const transport = new RedisStreamsTransport(redisOptions);
const Paid = defineEvent<{ amount: number }>('invoice.paid');
export function use(bus: EventBusService): BusEvent<{ amount: number }> {
  bus.on(Paid, (event) => event.data.amount.toFixed(2));
  // @ts-expect-error the payload type comes from the definition
  bus.emit(Paid, { amount: 'ten' });
  EventRecorder.attach(bus).expectEvent(Paid, { amount: 10 });
  return bus.emit(Paid, { amount: 10 });
}
`,
  );
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        noEmit: true,
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        experimentalDecorators: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['consumer.ts'],
    }),
  );
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], scratch);
  console.log(
    `pack smoke test passed: ${packed[0].filename} (${files.length} files) boots in a CommonJS Nest 12 app and type-checks`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * Source-map references that lead nowhere in the package: a `sourceMappingURL` comment naming a map that is not
 * shipped, or a shipped map whose `sources` are not (as when the maps point at `../src/*.ts`).
 */
function danglingSourceMaps(packageDir, files) {
  const shipped = new Set(files);
  const dangling = [];
  for (const file of files) {
    const text = readFileSync(join(packageDir, file), 'utf8');
    if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (url && !url.startsWith('data:') && !shipped.has(posix.join(posix.dirname(file), url))) {
        dangling.push(`${file} -> ${url}`);
      }
    } else if (file.endsWith('.map')) {
      const map = JSON.parse(text);
      for (const source of map.sources ?? []) {
        const path = posix.join(posix.dirname(file), map.sourceRoot ?? '', source);
        if (!shipped.has(path) && !map.sourcesContent) dangling.push(`${file} -> ${source}`);
      }
    }
  }
  return dangling;
}
