import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN_SECRET_FILE } from '../../src/auth/token-secret';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { startExampleApp, tempDataDir, type ExampleApp } from './support/example-app';

const PRINTED = /Created the administrator "admin" with the generated password (\S+) /;

/** Every file under `dir` as latin1 text (SQLite files and their WAL included). */
function filesText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'))
    .join('\n');
}

describe('example app: the first administrator', () => {
  const data = tempDataDir();
  let app: ExampleApp | undefined;

  afterAll(async () => {
    await app?.close();
    data.remove();
  });

  it('gets a generated password, printed once at the first start and never again, stored only hashed', async () => {
    const first = new CaptureLogger();
    app = await startExampleApp({ dataDir: data.dir, adminPassword: undefined }, first);
    const printed = first.lines.filter((line) => PRINTED.test(line.message));
    expect(printed).toHaveLength(1);
    expect(printed[0].level).toBe('warn');
    const password = PRINTED.exec(printed[0].message)![1];
    expect(password.length).toBeGreaterThanOrEqual(20);

    const admin = await app.login('admin', password);
    expect((await app.call('GET', '/activity/verify', { as: admin })).status).toBe(200);
    const seeded = app.bus.history({ type: 'system.admin.seeded' });
    expect(seeded).toEqual([expect.objectContaining({ data: { userId: admin.id, username: 'admin' } })]);
    await app.settle();
    await app.audit.flush();
    await app.close();
    app = undefined;
    expect(filesText(data.dir)).not.toContain(password);
    expect(first.lines.filter((line) => line.message.includes(password))).toHaveLength(1);

    const second = new CaptureLogger();
    app = await startExampleApp({ dataDir: data.dir, adminPassword: undefined }, second);
    expect(second.lines.filter((line) => /administrator/.test(line.message))).toEqual([]);
    expect(JSON.stringify(second.lines)).not.toContain(password);
    expect((await app.login('admin', password)).id).toBe(admin.id);
  });

  it('takes ADMIN_PASSWORD when it is set, and prints nothing of it', async () => {
    const other = tempDataDir();
    const logger = new CaptureLogger();
    const started = await startExampleApp(
      { dataDir: other.dir, adminPassword: 'chosen-admin-password-9' },
      logger,
    );
    try {
      expect(JSON.stringify(logger.lines)).not.toContain('chosen-admin-password-9');
      expect(logger.lines.map((line) => line.message)).toContain(
        'Created the administrator "admin" with the password from ADMIN_PASSWORD.',
      );
      expect((await started.login('admin', 'chosen-admin-password-9')).id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await started.close();
      other.remove();
    }
  });

  it('refuses to start with an ADMIN_PASSWORD that is too short', async () => {
    const other = tempDataDir();
    try {
      await expect(startExampleApp({ dataDir: other.dir, adminPassword: 'short' }, false)).rejects.toThrow(
        'ADMIN_PASSWORD must be 8 to 200 characters long.',
      );
    } finally {
      other.remove();
    }
  });

  it('keeps the generated token signing key private to its owner', () => {
    const mode = statSync(join(data.dir, TOKEN_SECRET_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});
