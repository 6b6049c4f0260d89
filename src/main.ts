import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule, AppModule } from './app.module';
import { APP_CONFIG, loadAppConfig, type AppConfig } from './config/app.config';
import { OPENAPI_PATH, setupOpenApi } from './openapi/openapi.setup';

async function bootstrap(): Promise<void> {
  // With REDIS_URL the emails and leaderboards run in the worker (npm run start:worker), over Redis Streams.
  const twoProcesses = loadAppConfig().redisUrl !== undefined;
  const app = await NestFactory.create(twoProcesses ? ApiModule : AppModule);
  app.enableShutdownHooks();
  setupOpenApi(app);
  const config = app.get<AppConfig>(APP_CONFIG);
  await app.listen(config.port);
  new Logger('Example').log(
    `Listening on http://localhost:${config.port} (data in ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}` +
      `${twoProcesses ? '; events go to the worker over Redis: run npm run start:worker' : ''}); ` +
      `try the API from a browser at http://localhost:${config.port}/${OPENAPI_PATH}, or POST /users to sign up.`,
  );
}

bootstrap().catch((error: unknown) => {
  // A start that failed (Redis unreachable, say) says why in one line and exits, rather than a stack.
  new Logger('Example').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
