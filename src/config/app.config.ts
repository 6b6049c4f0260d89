import { join, resolve } from 'node:path';

/** The example app's settings, read from the environment once at startup. */
export interface AppConfig {
  /** HTTP port (`PORT`, default 3000). */
  port: number;
  /** Where SQLite files and the generated token secret live (`DATA_DIR`, default `./data`). */
  dataDir: string;
  /** PostgreSQL instead of SQLite when set (`DATABASE_URL`). */
  databaseUrl?: string;
  /** PostgreSQL schema for the app's tables (`DATABASE_SCHEMA`, default `public`). */
  databaseSchema?: string;
  /** How often stale invites are expired in the background, ms (`INVITE_SWEEP_MS`, default 60000, 0 = off). */
  inviteSweepMs: number;
  /**
   * The key that signs access tokens (`JWT_SECRET`, at least 32 characters). Unset: one is generated on the first
   * start and kept in `DATA_DIR/jwt-secret`. Set it when several instances serve the same users.
   */
  jwtSecret?: string;
  /** How long an access token lasts, seconds (`TOKEN_TTL_SECONDS`, default 3600). */
  tokenTtlSeconds: number;
  /**
   * The first administrator's password (`ADMIN_PASSWORD`), used only when no administrator exists yet. Unset: a
   * random one is generated and printed once, at that first start.
   */
  adminPassword?: string;
  /** Login and sign-up attempts allowed per client address and window (`AUTH_RATE_LIMIT`, default 10). */
  authRateLimit: number;
  /** The window of `authRateLimit`, ms (`AUTH_RATE_WINDOW_MS`, default 60000). */
  authRateWindowMs: number;
  /**
   * Addresses or CIDR ranges of proxies allowed to bring a request's correlation id (`TRUSTED_PROXIES`,
   * comma-separated). Empty (the default): every request gets an id of the server's making.
   */
  trustedProxies: string[];
  /**
   * Redis for the event bus's transport (`REDIS_URL`). When set, the app runs as two processes: `npm start` (the
   * API) and `npm run start:worker` (emails and leaderboards), sharing events over Redis Streams.
   */
  redisUrl?: string;
  /** The prefix of the transport's Redis keys (`REDIS_PREFIX`, default `example`). */
  redisPrefix: string;
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
    jwtSecret: env.JWT_SECRET || undefined,
    tokenTtlSeconds: wholeNumber(env, 'TOKEN_TTL_SECONDS', 3600, 1),
    adminPassword: env.ADMIN_PASSWORD || undefined,
    authRateLimit: wholeNumber(env, 'AUTH_RATE_LIMIT', 10, 1),
    authRateWindowMs: wholeNumber(env, 'AUTH_RATE_WINDOW_MS', 60_000, 1),
    trustedProxies: (env.TRUSTED_PROXIES ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || 'example',
  };
}

/** The SQLite file of the app's own tables. */
export function appDatabasePath(config: AppConfig): string {
  return join(config.dataDir, 'app.db');
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`Environment variable ${name} must be a whole number >= ${min}, got "${raw}".`);
  }
  return value;
}
