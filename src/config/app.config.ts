import { join, resolve } from 'node:path';

/** The example app's settings, read from the environment once at startup. */
export interface AppConfig {
  /** HTTP port (`PORT`, default 3000). */
  port: number;
  /** Where SQLite files live (`DATA_DIR`, default `./data`). */
  dataDir: string;
  /** PostgreSQL instead of SQLite when set (`DATABASE_URL`). */
  databaseUrl?: string;
  /** PostgreSQL schema for the app's tables (`DATABASE_SCHEMA`, default `public`). */
  databaseSchema?: string;
  /** How often stale invites are expired in the background, ms (`INVITE_SWEEP_MS`, default 60000, 0 = off). */
  inviteSweepMs: number;
}

/** Injection token of `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Builds the config from `env`; throws naming the variable when one is malformed. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: wholeNumber(env, 'PORT', 3000),
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    inviteSweepMs: wholeNumber(env, 'INVITE_SWEEP_MS', 60_000),
  };
}

/** The SQLite file of the app's own tables. */
export function appDatabasePath(config: AppConfig): string {
  return join(config.dataDir, 'app.db');
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Environment variable ${name} must be a whole number >= 0, got "${raw}".`);
  }
  return value;
}
