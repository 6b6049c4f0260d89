import { medianRatio, type RoundFigures } from '../harness';
import {
  CONNECTIONS,
  SERVER_APPS,
  sendRequests,
  startServer,
  stopServer,
  type Server,
  type ServerMode,
} from '../http-servers';
import { reported, rowsFrom, type RunSettings, type ScenarioResult } from '../scenario';

/** Requests/s through one trivial route, with and without EventsModule, servers in their own processes. */
export async function httpScenario(settings: RunSettings): Promise<ScenarioResult> {
  // Short runs, many rounds: the apps alternate quickly, so a burst of load from elsewhere hits all of them.
  const amount = settings.quick ? 300 : 2_000;
  const rounds = settings.quick ? 2 : 25;
  const warmupRounds = settings.quick ? 1 : 3;

  const servers = new Map<string, Server>();
  for (const mode of Object.keys(SERVER_APPS) as ServerMode[]) {
    servers.set(SERVER_APPS[mode], await startServer(mode));
  }
  const figures: RoundFigures = new Map([...servers.keys()].map((name) => [name, [] as number[]]));
  const order = [...servers.keys()];
  try {
    for (let round = 0; round < warmupRounds + rounds; round++) {
      for (let k = 0; k < order.length; k++) {
        const name = order[(round + k) % order.length];
        const started = process.hrtime.bigint();
        const { completed } = await sendRequests(servers.get(name)!, amount, `http/${name}`);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (round >= warmupRounds) figures.get(name)!.push(completed / seconds);
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(stopServer));
  }

  return {
    id: 'http',
    title: `http: GET /ping, ${amount.toLocaleString('en-US')} requests, ${CONNECTIONS} connections (autocannon)`,
    unit: 'req/s',
    reference: SERVER_APPS.bare,
    rows: rowsFrom(figures, SERVER_APPS.bare),
    targets: [
      reported(
        'http req/s with EventsModule / the bare app (the target is on instructions, below)',
        medianRatio(figures, SERVER_APPS.events, SERVER_APPS.bare),
      ),
    ],
    notes: [
      'Each server runs in its own process; autocannon runs in the bench process, on 127.0.0.1. On a shared ' +
        '2-core machine the load generator and the server compete for the CPU, so this ratio cannot resolve a ' +
        'few percent: the target is judged on instructions per request (http-instructions).',
      'The third app turns correlation (middleware, response header, HTTP events) off, to show what the ' +
        'bus itself costs per request and what the correlation layer adds.',
    ],
    procedure: `${rounds} counted rounds after ${warmupRounds} warm-up rounds, apps alternating.`,
  };
}
