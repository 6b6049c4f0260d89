// The HTTP apps of children/http-server, each in its own process, and the load sent to them (autocannon, from
// the bench process, on 127.0.0.1).
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface AutocannonResult {
  requests: { total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonOptions {
  url: string;
  amount: number;
  connections: number;
  sampleInt?: number;
  /** Seconds before a request counts as timed out (autocannon's default: 10). */
  timeout?: number;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => { on(event: 'reqError', listener: (error: Error) => void): void };

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

export const CONNECTIONS = 10;
/** children/http-server's flag for ServerOptions.noTimeouts. */
export const NO_TIMEOUTS = '--no-timeouts';

/** What children/http-server runs, by its argv[2]. */
export const SERVER_APPS = {
  bare: 'Nest Express, bare',
  events: 'Nest Express + EventsModule (metrics on)',
  'events-no-correlation': 'Nest Express + EventsModule (metrics on, correlation: false)',
} as const;

export type ServerMode = keyof typeof SERVER_APPS;

export interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  /** Rejects when the process exits: load sent to a server that died fails instead of retrying forever. */
  readonly exited: Promise<never>;
}

/** How to start the server's process instead of plain `node`: a wrapper such as valgrind, with its arguments. */
export interface Launcher {
  /** The wrapper's executable. */
  readonly command: string;
  /** The wrapper's arguments, ending with the Node executable and Node's own flags. */
  readonly args: readonly string[];
}

export interface ServerOptions {
  /** Start the process through this wrapper instead of plain `node`. */
  launcher?: Launcher;
  /**
   * Turn off the HTTP server's keep-alive, header and request timeouts: a server that valgrind stalls for seconds
   * would otherwise drop the connections whose next request it has not read yet.
   */
  noTimeouts?: boolean;
}

export function startServer(mode: ServerMode, { launcher, noTimeouts }: ServerOptions = {}): Promise<Server> {
  return new Promise((resolve, reject) => {
    const args = noTimeouts ? [mode, NO_TIMEOUTS] : [mode];
    const child = fork(join(__dirname, 'children/http-server.js'), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(launcher ? { execPath: launcher.command, execArgv: [...launcher.args] } : {}),
    });
    const exited = new Promise<never>((_, fail) =>
      child.once('exit', (code, signal) =>
        fail(new Error(`http server (${mode}) exited (${signal ?? code})`)),
      ),
    );
    exited.catch(() => undefined); // only load in flight cares
    child.once('message', (message) => {
      const { port } = message as { port: number };
      resolve({ child, url: `http://127.0.0.1:${port}/ping`, exited });
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`http server (${mode}) exited with ${code} before listening`)),
    );
  });
}

export function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.send('close');
  });
}

export interface LoadOptions {
  /** Seconds before a request counts as failed; default 10. */
  timeoutS?: number;
  /** Failed requests (connection errors, timeouts, non-2xx) tolerated before this throws; default 0. */
  maxFailures?: number;
}

export interface LoadResult {
  /** Requests answered with a 2xx. */
  completed: number;
  failed: number;
  /** The distinct error messages, if any request failed. */
  errors: string[];
}

/** Sends `amount` GET requests over CONNECTIONS connections; throws when more than `maxFailures` fail. */
export function sendRequests(
  server: Server,
  amount: number,
  label: string,
  { timeoutS = 10, maxFailures = 0 }: LoadOptions = {},
): Promise<LoadResult> {
  const load = new Promise<LoadResult>((resolve, reject) => {
    const errors = new Set<string>();
    // autocannon notices the end at its next sample tick: tick often, so the run time is not rounded up to 1 s.
    const options = { url: server.url, amount, connections: CONNECTIONS, sampleInt: 2, timeout: timeoutS };
    const run = autocannon(options, (error, result) => {
      if (error) return reject(error);
      const completed = result.requests.total - result.non2xx;
      const failed = amount - completed;
      const load = { completed, failed, errors: [...errors] };
      if (failed > maxFailures) {
        return reject(new Error(`${label}: ${failed} of ${amount} requests failed: ${JSON.stringify(load)}`));
      }
      resolve(load);
    });
    run.on('reqError', (error) => errors.add(error.message));
  });
  return Promise.race([load, server.exited]);
}
