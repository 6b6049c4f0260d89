import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { medianRatio, type RoundFigures } from '../harness';
import { rowsFrom, target, type RunSettings, type ScenarioResult } from '../scenario';

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
  pipelining?: number;
  sampleInt?: number;
}) => Promise<AutocannonResult>;

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

const BARE = 'Nest Express, bare';
const EVENTS = 'Nest Express + EventsModule (metrics on)';
const NO_CORRELATION = 'Nest Express + EventsModule (metrics on, correlation: false)';

interface Server {
  child: ChildProcess;
  url: string;
}

function startServer(mode: 'bare' | 'events' | 'events-no-correlation'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, '../children/http-server.js'), [mode], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
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

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.send('close');
  });
}

/** Requests/s through one trivial route, with and without EventsModule, servers in their own processes. */
export async function httpScenario(settings: RunSettings): Promise<ScenarioResult> {
  // Short runs, many rounds: the apps alternate quickly, so a burst of load from elsewhere hits all of them.
  const amount = settings.quick ? 300 : 2_000;
  const rounds = settings.quick ? 2 : 25;
  const warmupRounds = settings.quick ? 1 : 3;
  const connections = 10;

  const servers = new Map<string, Server>([
    [BARE, await startServer('bare')],
    [EVENTS, await startServer('events')],
    [NO_CORRELATION, await startServer('events-no-correlation')],
  ]);
  const figures: RoundFigures = new Map([...servers.keys()].map((name) => [name, [] as number[]]));
  const order = [...servers.keys()];
  try {
    for (let round = 0; round < warmupRounds + rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const name = order[(round + k) % order.length];
        const started = process.hrtime.bigint();
        // autocannon notices the end at its next sample tick: tick often, so the run time is not rounded up to 1 s.
        const result = await autocannon({ url: servers.get(name)!.url, amount, connections, sampleInt: 2 });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (result.errors || result.timeouts || result.non2xx || result.requests.total < amount) {
          throw new Error(`http/${name}: ${JSON.stringify({ ...result.requests, errors: result.errors })}`);
        }
        if (round >= warmupRounds) figures.get(name)!.push(result.requests.total / seconds);
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(stopServer));
  }

  const ratio = medianRatio(figures, EVENTS, BARE);
  return {
    id: 'http',
    title: `http: GET /ping, ${amount.toLocaleString('en-US')} requests, ${connections} connections (autocannon)`,
    unit: 'req/s',
    reference: BARE,
    rows: rowsFrom(figures, BARE),
    targets: [target('http req/s with EventsModule >= 0.9x the bare app', ratio, '>=', 0.9)],
    notes: [
      'Each server runs in its own process; autocannon runs in the bench process, on 127.0.0.1.',
      'The third app turns correlation (middleware, response header, HTTP events) off, to show what the ' +
        'bus itself costs per request and what the correlation layer adds.',
    ],
    procedure: `${rounds} counted rounds after ${warmupRounds} warm-up rounds, apps alternating.`,
  };
}
