import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { tempDataDir } from './support/example-app';

const root = join(__dirname, '..', '..');
const register = join(root, 'test', 'support', 'ts-register.cjs');
const fixture = join(__dirname, 'fixtures', 'open-database.fixture.ts');
const INSTANCES = 4;
const MIGRATIONS = ['CreateAppTables1767225600000', 'AdoptLegacySchema1767225600001'];

/** Runs the fixture as a child process; resolves with its exit code and output. */
function openDatabase(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', register, fixture], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    // 'close', not 'exit': the child may have exited before its output was all read.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Several instances opening one new database at once: every one starts, each migration is applied once. */
async function startTogether(env: NodeJS.ProcessEnv): Promise<void> {
  const results = await Promise.all(Array.from({ length: INSTANCES }, () => openDatabase(env)));
  for (const result of results) {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const applied = /^applied migrations: (.*)$/m.exec(result.stdout)?.[1];
    expect(applied && JSON.parse(applied)).toEqual(MIGRATIONS);
  }
}

describe('example app instances starting together on one new SQLite file', () => {
  const data = tempDataDir();
  afterAll(() => data.remove());

  it('all open it, and its migrations are applied once', async () => {
    await startTogether({ DATA_DIR: data.dir, DATABASE_URL: '' });
  }, 60_000);
});

describePostgres('example app instances starting together on one new PostgreSQL schema', () => {
  const data = tempDataDir();
  const schema = uniqueSchema('example_start');
  afterAll(async () => {
    await dropSchema(schema);
    data.remove();
  });

  it('all open it, and its migrations are applied once', async () => {
    await startTogether({ DATA_DIR: data.dir, DATABASE_URL, DATABASE_SCHEMA: schema });
  }, 60_000);
});
