import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './app.module';
import { loadAppConfig } from './config/app.config';

/** The worker process: no HTTP, only the reactions (emails, leaderboards) to events that arrive over Redis. */
async function bootstrap(): Promise<void> {
  const config = loadAppConfig();
  if (config.redisUrl === undefined) {
    throw new Error(
      'The worker takes its events from Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) for it and for ' +
        '`npm start`. Without REDIS_URL, `npm start` alone runs the whole app in one process.',
    );
  }
  const app = await NestFactory.createApplicationContext(WorkerModule);
  app.enableShutdownHooks();
  new Logger('Example').log(`Worker consuming events from ${config.redisUrl}.`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Example').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
