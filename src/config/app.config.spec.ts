import { join, resolve } from 'node:path';
import { appDatabasePath, loadAppConfig } from './app.config';

describe('loadAppConfig', () => {
  it('defaults to port 3000 and ./data', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({ port: 3000, dataDir: resolve('./data'), inviteSweepMs: 60_000 });
    expect(config.databaseUrl).toBeUndefined();
    expect(appDatabasePath(config)).toBe(join(resolve('./data'), 'app.db'));
  });

  it('has safe auth defaults: a generated secret and admin password, 1 h tokens, 10 attempts a minute', () => {
    expect(loadAppConfig({})).toMatchObject({
      jwtSecret: undefined,
      adminPassword: undefined,
      tokenTtlSeconds: 3600,
      authRateLimit: 10,
      authRateWindowMs: 60_000,
      trustedProxies: [],
    });
  });

  it('honours the auth variables', () => {
    const config = loadAppConfig({
      JWT_SECRET: 's'.repeat(40),
      ADMIN_PASSWORD: 'admin-password-1',
      TOKEN_TTL_SECONDS: '60',
      AUTH_RATE_LIMIT: '3',
      AUTH_RATE_WINDOW_MS: '1000',
      TRUSTED_PROXIES: '10.0.0.0/8, ::1,',
    });
    expect(config).toMatchObject({
      jwtSecret: 's'.repeat(40),
      adminPassword: 'admin-password-1',
      tokenTtlSeconds: 60,
      authRateLimit: 3,
      authRateWindowMs: 1000,
      trustedProxies: ['10.0.0.0/8', '::1'],
    });
  });

  it('honours PORT, DATA_DIR, DATABASE_URL and DATABASE_SCHEMA', () => {
    const config = loadAppConfig({
      PORT: '8081',
      DATA_DIR: '/tmp/somewhere',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      DATABASE_SCHEMA: 'app',
    });
    expect(config).toMatchObject({
      port: 8081,
      dataDir: '/tmp/somewhere',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      databaseSchema: 'app',
    });
  });

  it('names the variable when a number is malformed', () => {
    expect(() => loadAppConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => loadAppConfig({ INVITE_SWEEP_MS: '-1' })).toThrow(/INVITE_SWEEP_MS/);
    expect(() => loadAppConfig({ TOKEN_TTL_SECONDS: '0' })).toThrow(
      /TOKEN_TTL_SECONDS must be a whole number >= 1/,
    );
  });
});
