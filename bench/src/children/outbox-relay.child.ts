// The relay of the outbox latency scenario. argv: the database as JSON (see LatencyDatabase), the Redis key
// prefix, `notify` or `poll`, the poll interval in ms. A Nest app with the outbox's relay only (it commits
// nothing, so only NOTIFY or its poll tells it of rows) publishing through RedisStreamsTransport; its local
// listener notes when each event was published. Answers 'collect' with 'published': [event id, monotonic ms]
// since the last collect; 'stop' closes the app and exits.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PublishedAt, relayModule, type LatencyDatabase } from '../outbox/latency-apps';
import { fail, onCommand, reply } from './ipc';

async function main(): Promise<void> {
  const [database, prefix, mode, pollIntervalMs] = process.argv.slice(2);
  const module = relayModule(
    JSON.parse(database) as LatencyDatabase,
    prefix,
    mode === 'notify',
    Number(pollIntervalMs),
  );
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  await app.init();
  const published = app.get(PublishedAt);
  onCommand(async (message) => {
    if (message.kind === 'collect') reply({ kind: 'published', values: published.take() });
    else if (message.kind === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
}

main().catch(fail);
