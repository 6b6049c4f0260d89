import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './redis-server';

/**
 * A PostgreSQL server this test started on a loopback port of its own, in a data directory of its own; fault
 * tests stop and restart only this one, never the machine's shared server.
 */
export interface OwnPostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly dataDir: string;
}

const run = promisify(execFile);
const running = new Map<number, ChildProcess>();

/** The directory of the installed server's programs (Debian keeps them under /usr/lib/postgresql/<major>/bin). */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const bin = join(root, major, 'bin');
    if (existsSync(join(bin, 'postgres'))) return bin;
  }
  throw new Error('No PostgreSQL server programs under /usr/lib/postgresql/<major>/bin: install postgresql.');
}

/** PostgreSQL refuses to run as root: when the test runs as root, the server runs as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

/**
 * Creates a fresh cluster (trust auth, no fsync: a test's data need not survive a power cut, only a process
 * kill) and starts it on 127.0.0.1. Resolves once it accepts connections.
 */
export async function startPostgresServer(): Promise<OwnPostgresServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'events-pg-'));
  if (process.getuid?.() === 0) chownSync(dataDir, postgresUid(), postgresGid());
  const [command, args] = asServerUser(join(serverBin(), 'initdb'), [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  await run(command, args);
  const port = await freePort();
  const server = { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir };
  await resumePostgresServer(server);
  return server;
}

/** Starts (again) the server of `server`'s data directory on its port, and waits until it answers. */
export async function resumePostgresServer(server: OwnPostgresServer): Promise<void> {
  const [command, args] = asServerUser(join(serverBin(), 'postgres'), [
    '-D',
    server.dataDir,
    '-p',
    String(server.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${server.dataDir}`,
    '-c',
    'fsync=off',
    '-c',
    'max_connections=100',
  ]);
  // A killed postmaster's backends take a moment to notice and exit; until then a restart is refused.
  for (let tries = 0; ; tries++) {
    try {
      await launch(server, command, args);
      return;
    } catch (error) {
      if (tries >= 50 || !/already exists|shared memory/i.test(String(error))) throw error;
      await pause(100);
    }
  }
}

async function launch(server: OwnPostgresServer, command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid === undefined) throw new Error('postgres did not start');
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  running.set(server.port, child);
  const deadline = Date.now() + 20_000;
  while (!(await answers(server.url))) {
    if (child.exitCode !== null)
      throw new Error(`postgres on port ${server.port} exited (${child.exitCode}): ${output}`);
    if (Date.now() > deadline) throw new Error(`postgres on port ${server.port} did not answer within 20 s`);
    await pause(50);
  }
}

/**
 * Stops the server with SIGKILL to the postmaster (its clients see their connections drop, as in a crash) and
 * waits until it is gone and a restart on the same directory can begin.
 */
export async function stopPostgresServer(server: OwnPostgresServer): Promise<void> {
  const child = running.get(server.port);
  running.delete(server.port);
  const postmaster = postmasterPid(server.dataDir);
  if (postmaster !== undefined) {
    try {
      process.kill(postmaster, 'SIGKILL');
    } catch {
      // Already gone.
    }
    const deadline = Date.now() + 10_000;
    while (alive(postmaster) && Date.now() < deadline) await pause(20);
  }
  if (child !== undefined && child.exitCode === null) {
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

/** Stops the server and removes its data directory. */
export async function destroyPostgresServer(server: OwnPostgresServer): Promise<void> {
  await stopPostgresServer(server);
  rmSync(server.dataDir, { recursive: true, force: true });
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function postgresUid(): number {
  return Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
}

function postgresGid(): number {
  return Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
}
