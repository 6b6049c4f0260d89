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
type Autocannon = (options: {
  url: string;
  amount: number;
  connections: number;
  sampleInt?: number;
  /** Seconds before a request counts as timed out (autocannon's default: 10). */
  timeout?: number;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

export const CONNECTIONS = 10;

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
}

/** How to start the server's process instead of plain `node`: a wrapper such as valgrind, with its arguments. */
export interface Launcher {
  /** The wrapper's executable. */
  readonly command: string;
  /** The wrapper's arguments, ending with the Node executable and Node's own flags. */
  readonly args: readonly string[];
}

export function startServer(mode: ServerMode, launcher?: Launcher): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'children/http-server.js'), [mode], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(launcher ? { execPath: launcher.command, execArgv: [...launcher.args] } : {}),
    });
    child.once('message', (message) => {
      const { port } = message as { port: number };
      resolve({ child, url: `http://127.0.0.1:${port}/ping` });
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`http server (${mode}) exited with ${code} before listening`)),
    );
  });
}

export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.send('close');
  });
}

/**
 * Sends `amount` GET requests over CONNECTIONS connections and returns how many completed; throws unless every
 * one got a 2xx within `timeoutS` seconds.
 */
export async function sendRequests(
  server: Server,
  amount: number,
  label: string,
  timeoutS = 10,
): Promise<number> {
  // autocannon notices the end at its next sample tick: tick often, so the run time is not rounded up to 1 s.
  const result = await autocannon({
    url: server.url,
    amount,
    connections: CONNECTIONS,
    sampleInt: 2,
    timeout: timeoutS,
  });
  if (result.errors || result.timeouts || result.non2xx || result.requests.total < amount) {
    throw new Error(`${label}: ${JSON.stringify({ ...result.requests, errors: result.errors })}`);
  }
  return result.requests.total;
}
