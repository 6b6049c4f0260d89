import { join, resolve } from 'node:path';
import { appDatabasePath, loadAppConfig } from './app.config';

describe('loadAppConfig', () => {
  it('defaults to port 3000 and ./data', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({ port: 3000, dataDir: resolve('./data'), inviteSweepMs: 60_000 });
    expect(config.databaseUrl).toBeUndefined();
    expect(appDatabasePath(config)).toBe(join(resolve('./data'), 'app.db'));
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
  });
});
