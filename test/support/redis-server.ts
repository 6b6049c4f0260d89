import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** A redis-server this test started on a loopback port of its own; stop only this one. */
export interface OwnRedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
}

const running = new Map<number, ChildProcess>();

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * Starts `redis-server` on 127.0.0.1 (`port`, else a free one) keeping nothing on disk, and resolves once it
 * answers PING. Pass the same port again to restart a stopped server where its clients expect it. With
 * `durableDir`, it keeps an append-only file there fsynced on every write, so a restart in the same directory
 * (even after SIGKILL) finds everything it acknowledged.
 */
export async function startRedisServer(
  port?: number,
  { durableDir }: { durableDir?: string } = {},
): Promise<OwnRedisServer> {
  const chosen = port ?? (await freePort());
  const storage =
    durableDir === undefined
      ? ['--appendonly', 'no', '--dir', '/tmp']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', durableDir];
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', ...storage],
    { stdio: 'ignore' },
  );
  if (child.pid === undefined) throw new Error('redis-server did not start');
  running.set(child.pid, child);
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(chosen))) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${chosen} exited (${child.exitCode})`);
    if (Date.now() > deadline) {
      await stopRedisServer({ port: chosen, url: '', pid: child.pid });
      throw new Error(`redis-server on port ${chosen} did not answer within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { port: chosen, url: `redis://127.0.0.1:${chosen}`, pid: child.pid };
}

/** Stops a server `startRedisServer()` started (by its pid: SIGKILL, so nothing is saved) and waits for it. */
export async function stopRedisServer(server: OwnRedisServer): Promise<void> {
  const child = running.get(server.pid);
  if (child === undefined) return;
  running.delete(server.pid);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** True when something on 127.0.0.1:`port` answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
