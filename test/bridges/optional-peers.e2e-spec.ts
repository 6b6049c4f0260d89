import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
/** What the built plugin requires at load time (its required peers), and what the child app needs to boot. */
const INSTALLED = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'nestjs-cls',
  'reflect-metadata',
  'rxjs',
  '@standard-schema/spec',
];

/**
 * Builds the plugin with its own tsconfig into a temp folder once. Each test then makes an app folder whose
 * node_modules hold a copy of that build (a copy, not a link: Node resolves the plugin's own requires from where
 * its files really are) next to symlinks to only the packages above and the optional peers the test names, and
 * boots an app from there in a child process: the way an app without the other optional peers would load it.
 */
describe('optional peers: the built plugin in an app that installed only some of them', () => {
  let dir: string;
  let built: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-event-bus-peers-'));
    built = join(dir, 'build', 'nestjs-event-bus');
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(ROOT, 'libs/events/tsconfig.lib.json'),
        '--outDir',
        join(built, 'dist'),
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT },
    );
    copyFileSync(join(ROOT, 'libs/events/package.json'), join(built, 'package.json'));
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** An app folder with the plugin, the packages above and `optionalPeers` installed; returns its path. */
  function installApp(name: string, optionalPeers: string[]): string {
    const app = join(dir, name);
    cpSync(built, join(app, 'node_modules', 'nestjs-event-bus'), { recursive: true });
    for (const peer of [...INSTALLED, ...optionalPeers]) {
      const target = join(app, 'node_modules', peer);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', peer), target, 'dir');
    }
    copyFileSync(join(__dirname, 'fixtures/optional-peers-app.cjs'), join(app, 'app.cjs'));
    return app;
  }

  /** Runs one scenario of the app fixture in `app` and returns the JSON it printed. */
  async function runScenario(app: string, scenario: string, env: Record<string, string> = {}) {
    const { stdout } = await run(process.execPath, ['app.cjs', scenario], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', ...env },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  }

  it('builds, boots and serves with EventsModule.forRoot(), and says what to install when a bridge is on', async () => {
    const result = await runScenario(installApp('bridges', []), 'bridges');

    // The check itself: the two libraries really are absent where the plugin looks for them.
    expect(result.resolvable).toEqual({ eventEmitter: false, cqrs: false, nestCommon: true });
    expect(result.plain).toEqual({
      status: 200,
      body: { correlationId: 'peer-check-1' },
      recorded: ['peer-check-1'],
    });
    expect(result.eventEmitterBridge).toMatchObject({ booted: false, name: 'MissingPeerDependencyError' });
    expect(result.eventEmitterBridge.message).toContain('npm install @nestjs/event-emitter');
    expect(result.eventEmitterBridge.message).toContain('bridges.eventEmitter');
    expect(result.cqrsBridge).toMatchObject({ booted: false, name: 'MissingPeerDependencyError' });
    expect(result.cqrsBridge.message).toContain('npm install @nestjs/cqrs');
  }, 90_000);

  it('records and verifies an audit trail with audit: {} (SQLite) where pg is not installed', async () => {
    const result = await runScenario(installApp('audit-sqlite', ['better-sqlite3']), 'audit-sqlite');

    expect(result.resolvable).toEqual({ pg: false, betterSqlite3: true });
    expect(result.audited).toEqual({ recorded: [true], verified: { ok: true, checked: 1 } });
    // Only the store that needs pg asks for it.
    expect(result.otherStore).toMatchObject({ created: false, name: 'AuditStoreError' });
    expect(result.otherStore.message).toContain('npm install pg');
  }, 90_000);

  describePostgres('PostgreSQL', () => {
    let schema: string;
    beforeEach(() => {
      schema = uniqueSchema('optional_peers');
    });
    afterEach(async () => {
      await dropSchema(schema);
    });

    it('records and verifies an audit trail in PostgresAuditStore where better-sqlite3 is not installed', async () => {
      const app = installApp('audit-postgres', ['pg']);
      const result = await runScenario(app, 'audit-postgres', {
        AUDIT_DB_URL: DATABASE_URL,
        AUDIT_SCHEMA: schema,
      });

      expect(result.resolvable).toEqual({ pg: true, betterSqlite3: false });
      expect(result.audited).toEqual({ recorded: [true], verified: { ok: true, checked: 1 } });
      // Only the store that needs better-sqlite3 asks for it.
      expect(result.otherStore).toMatchObject({ created: false, name: 'AuditStoreError' });
      expect(result.otherStore.message).toContain('npm install better-sqlite3');
    }, 90_000);
  });
});
