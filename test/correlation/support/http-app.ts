import type { DynamicModule, INestApplication, LoggerService, ModuleMetadata, Type } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

/** The HTTP platforms every correlation scenario runs on. */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

/** A started app and the base URL it listens on (127.0.0.1, a free port). */
export interface RunningApp {
  app: INestApplication;
  url: string;
}

/** Boots `root` (a module class or metadata) on the platform, listening on 127.0.0.1 with a free port. */
export async function startHttpApp(
  platform: Platform,
  root: Type | DynamicModule | ModuleMetadata,
  configure?: (app: INestApplication) => void,
  logger: LoggerService | false = false,
): Promise<RunningApp> {
  const metadata: ModuleMetadata =
    typeof root === 'function' || 'module' in root ? { imports: [root as Type | DynamicModule] } : root;
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger });
  configure?.(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url };
}

/** A UUIDv7 as the bus generates them. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
