import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { APP_CONFIG, type AppConfig } from './config/app.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const config = app.get<AppConfig>(APP_CONFIG);
  await app.listen(config.port);
  new Logger('Example').log(
    `Listening on http://localhost:${config.port} (data in ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}); ` +
      'try GET /health, or POST /users to sign up.',
  );
}

void bootstrap();
