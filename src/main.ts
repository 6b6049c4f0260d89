import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { APP_CONFIG, type AppConfig } from './config/app.config';
import { OPENAPI_PATH, setupOpenApi } from './openapi/openapi.setup';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  setupOpenApi(app);
  const config = app.get<AppConfig>(APP_CONFIG);
  await app.listen(config.port);
  new Logger('Example').log(
    `Listening on http://localhost:${config.port} (data in ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}); ` +
      `try the API from a browser at http://localhost:${config.port}/${OPENAPI_PATH}, or POST /users to sign up.`,
  );
}

void bootstrap();
