import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, loadAppConfig } from './app.config';

/** Provides `AppConfig` (read from the environment when the app is created, not when this file is imported). */
@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: () => loadAppConfig() }],
  exports: [APP_CONFIG],
})
export class ConfigModule {}
