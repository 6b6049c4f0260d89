import type { LoggerService, ModuleMetadata } from '@nestjs/common';
import { startHttpApp, type Platform, type RunningApp } from '../../correlation/support/http-app';

export { PLATFORMS, type Platform, type RunningApp } from '../../correlation/support/http-app';

/** Boots the module on the platform with the given logger, listening on 127.0.0.1 with a free port. */
export function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  logger: LoggerService | false = false,
): Promise<RunningApp> {
  return startHttpApp(platform, metadata, undefined, logger);
}
