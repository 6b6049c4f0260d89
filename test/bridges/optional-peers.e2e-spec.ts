import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

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
 * Builds the plugin with its own tsconfig into a temp folder's node_modules, next to symlinks to only the
 * packages above, then boots an app from there in a child process: the way an app without
 * @nestjs/event-emitter and @nestjs/cqrs installed would load it.
 */
describe('optional peers: an app without @nestjs/event-emitter and @nestjs/cqrs', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-event-bus-peers-'));
    const pkg = join(dir, 'node_modules', 'nestjs-event-bus');
    mkdirSync(pkg, { recursive: true });
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        join(ROOT, 'libs/events/tsconfig.lib.json'),
        '--outDir',
        join(pkg, 'dist'),
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: ROOT },
    );
    copyFileSync(join(ROOT, 'libs/events/package.json'), join(pkg, 'package.json'));
    for (const name of INSTALLED) {
      const target = join(dir, 'node_modules', name);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
    }
    copyFileSync(join(__dirname, 'fixtures/optional-peers-app.cjs'), join(dir, 'app.cjs'));
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds, boots and serves with EventsModule.forRoot(), and says what to install when a bridge is on', async () => {
    const { stdout } = await run(process.execPath, ['app.cjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

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
});
