import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const librarySource = join(root, 'libs', 'events', 'src');
const builtEntry = join(root, 'libs', 'events', 'dist', 'index.js');
const child = join(__dirname, 'fixtures', 'sigterm-child.cjs');

/** The newest modification time of the library's non-test sources. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the library unless dist is there and newer than every source file. */
function ensureBuilt(): void {
  if (existsSync(builtEntry) && statSync(builtEntry).mtimeMs >= newestSource(librarySource)) return;
  const build = spawnSync('npm', ['run', 'build:lib'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`npm run build:lib failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
  }
}

interface ChildRun {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts the child, sends SIGTERM once its handler has started, and collects what it reported. */
function runAndTerminate(env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child], {
      cwd: root,
      // The handler outlasts the signal's round trip (child stdout, this process, kill) on a loaded machine.
      env: { ...process.env, EVENT_BUS_DIST: builtEntry, HANDLER_MS: '3000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!signalled && stdout.includes('handler started')) {
        signalled = true;
        proc.kill('SIGTERM');
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ lines: stdout.trim().split('\n'), code, signal, stderr });
    });
  });
}

/** Lines of the child's stderr that are not Node's notices (e.g. ExperimentalWarning for require(esm)). */
function errorsIn(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !/Warning:|--trace-warnings/.test(line));
}

describe('SIGTERM with shutdown hooks, in a real process running the built package', () => {
  beforeAll(ensureBuilt, 120_000);

  it('drains the running handler before the process exits, then exits with code 0 (useProcessExit)', async () => {
    const run = await runAndTerminate({ USE_PROCESS_EXIT: '1' });

    expect({ lines: run.lines, code: run.code, signal: run.signal, stderr: errorsIn(run.stderr) }).toEqual({
      lines: [
        'handler started nightly',
        'system.shutdown inFlight=1',
        'handler finished nightly',
        'onApplicationShutdown SIGTERM',
        'exit 0',
      ],
      code: 0,
      signal: null,
      stderr: [],
    });
  });

  it('drains the running handler, then Nest re-raises SIGTERM to end the process (the default)', async () => {
    const run = await runAndTerminate({});

    // Nest's default after the hooks: remove its listener and re-send the signal, so the process ends by it.
    expect({ lines: run.lines, code: run.code, signal: run.signal, stderr: errorsIn(run.stderr) }).toEqual({
      lines: [
        'handler started nightly',
        'system.shutdown inFlight=1',
        'handler finished nightly',
        'onApplicationShutdown SIGTERM',
      ],
      code: null,
      signal: 'SIGTERM',
      stderr: [],
    });
  });
});
