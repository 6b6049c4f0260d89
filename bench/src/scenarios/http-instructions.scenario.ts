import { join } from 'node:path';
import { readCallgrindProfile } from '../callgrind/profile';
import { perOperation, splitV8Work, type InstructionSplit } from '../callgrind/v8-work';
import {
  callgrindLauncher,
  callgrindUnavailable,
  dump,
  instrumentation,
  withDumpDir,
} from '../callgrind/valgrind';
import {
  CONNECTIONS,
  SERVER_APPS,
  sendRequests,
  startServer,
  stopServer,
  type LoadOptions,
  type ServerMode,
} from '../http-servers';
import { reported, target, type ResultRow, type RunSettings, type ScenarioResult } from '../scenario';

const LIMIT_PERCENT = 4;
const TARGET_LABEL = `HTTP instructions per request added by EventsModule, GC and JIT excluded <= +${LIMIT_PERCENT}%`;
const TOTAL_LABEL = 'HTTP instructions per request added by EventsModule, all instructions';
/**
 * Load for a server under callgrind: 10-100x slower than native, slower still while valgrind translates code
 * anew. A rare connection error is tolerated (figures are per answered request; the notes list them).
 */
const load = (amount: number): LoadOptions => ({ timeoutS: 300, maxFailures: Math.ceil(amount / 100) });
/**
 * V8 does its GC and compiler work on the main thread, with fixed seeds: no helper threads, whose waiting and
 * timing callgrind would count too.
 */
const NODE_FLAGS = ['--predictable'];

interface Counts {
  /** The apps measured; quick mode leaves out the third, which only splits the module's cost. */
  modes: readonly ServerMode[];
  warmup: number;
  windows: number;
  perWindow: number;
}

/**
 * Instructions per request of the HTTP apps in steady state, counted by valgrind's callgrind: each server runs
 * under callgrind with counting off, takes `warmup` requests, then `windows` windows of `perWindow` requests
 * with counting on, one dump per window. Per app, all windows' instructions over all their requests: even warm,
 * the apps go through cycles of recompiling and collecting a few thousand requests long, so one long count is
 * the steady state, and the windows show how much a short one would move.
 */
export async function httpInstructionsScenario(settings: RunSettings): Promise<ScenarioResult> {
  const counts: Counts = settings.quick
    ? { modes: ['bare', 'events'], warmup: 100, windows: 2, perWindow: 50 }
    : // Up to request ~8,000 the JIT is busiest and the rest falls by ~4%; later it recompiles in cycles.
      { modes: Object.keys(SERVER_APPS) as ServerMode[], warmup: 10_000, windows: 10, perWindow: 500 };
  const unavailable = callgrindUnavailable();
  if (unavailable) return notMeasured(unavailable);

  const splits = new Map<ServerMode, InstructionSplit>();
  const spreads: string[] = [];
  const failures: string[] = [];
  await withDumpDir('bench-callgrind', async (dir) => {
    for (const mode of counts.modes) {
      const counted = await countPerRequest(mode, join(dir, `${mode}.out`), counts);
      splits.set(mode, counted.split);
      const windows = counted.windows.map((w) => w.mutator);
      spreads.push(`${mode} ${format(Math.min(...windows))}-${format(Math.max(...windows))}`);
      if (counted.failed > 0) failures.push(`${mode}: ${counted.failed} (${counted.errors.join('; ')})`);
    }
  });

  const bare = splits.get('bare')!;
  const events = splits.get('events')!;
  const added = (part: keyof InstructionSplit) => (events[part] / bare[part] - 1) * 100;
  const rows: ResultRow[] = [];
  for (const [mode, split] of splits) {
    const row = (part: keyof InstructionSplit, what: string): ResultRow => ({
      candidate: `${SERVER_APPS[mode]}: ${what}`,
      value: split[part],
      ratio: split[part] / bare[part],
    });
    rows.push(
      row('mutator', 'without GC and JIT'),
      row('gc', 'garbage collection'),
      row('jit', 'JIT compilers'),
      row('total', 'all'),
    );
  }
  return {
    ...base(counts),
    rows,
    targets: [
      target(TARGET_LABEL, added('mutator'), '<=', LIMIT_PERCENT, '%'),
      reported(TOTAL_LABEL, added('total'), '%'),
    ],
    notes: [
      'The target is on the instructions without garbage collection and JIT compilation: those come in bursts ' +
        '(a mark-compact or a round of recompiling lands in one window and not the next, +10-40% for that ' +
        "window). The rest moves by a few percent from window to window, with the code's tiers, and by under " +
        "1% between runs over all windows. GC here includes the scavenges that the module's own allocations " +
        'cause: the garbage-collection and all-instructions rows show them.',
      `Per window, without GC and JIT: ${spreads.join(', ')}.`,
      ...(failures.length > 0
        ? [`Failed requests, left out of the per-request figures: ${failures.join(', ')}.`]
        : []),
    ],
  };
}

/** Runs one app under callgrind: its figures per answered request, overall and per window, and the failures. */
async function countPerRequest(
  mode: ServerMode,
  outFile: string,
  counts: Counts,
): Promise<{ split: InstructionSplit; windows: InstructionSplit[]; failed: number; errors: string[] }> {
  const server = await startServer(mode, {
    launcher: callgrindLauncher(outFile, NODE_FLAGS),
    noTimeouts: true,
  });
  const pid = server.child.pid!;
  const label = `http-instructions/${mode}`;
  const answered: number[] = [];
  let failed = 0;
  const errors = new Set<string>();
  try {
    await sendRequests(server, counts.warmup, label, load(counts.warmup));
    await instrumentation(pid, true);
    for (let w = 0; w < counts.windows; w++) {
      const window = await sendRequests(server, counts.perWindow, label, load(counts.perWindow));
      await dump(pid);
      answered.push(window.completed);
      failed += window.failed;
      for (const error of window.errors) errors.add(error);
    }
    await instrumentation(pid, false);
  } finally {
    await stopServer(server);
  }
  const counted = answered.map((_, w) => splitV8Work(readCallgrindProfile(`${outFile}.${w + 1}`)));
  const requests = answered.reduce((sum, n) => sum + n, 0);
  const sum = (part: keyof InstructionSplit) => counted.reduce((total, split) => total + split[part], 0);
  return {
    split: perOperation(
      { total: sum('total'), gc: sum('gc'), jit: sum('jit'), mutator: sum('mutator') },
      requests,
    ),
    windows: counted.map((split, w) => perOperation(split, answered[w])),
    failed,
    errors: [...errors],
  };
}

function format(instructions: number): string {
  return `${Math.round(instructions / 1000).toLocaleString('en-US')}k`;
}

function base(counts: Counts): Omit<ScenarioResult, 'rows' | 'targets' | 'notes'> {
  return {
    id: 'http-instructions',
    title: `http-instructions: GET /ping, instructions per request in steady state (callgrind)`,
    unit: 'instr/req',
    reference: `${SERVER_APPS.bare}, same row`,
    procedure:
      `Each app runs alone under \`valgrind --tool=callgrind --instr-atstart=no\` with \`node ${NODE_FLAGS.join(' ')}\` ` +
      '(V8 does its GC and compiler work on the main thread: no helper threads, whose waiting callgrind would ' +
      "count), the server's HTTP timeouts off. After " +
      `${counts.warmup.toLocaleString('en-US')} uncounted warm-up requests, \`callgrind_control --instr=on\`, then ` +
      `${counts.windows} windows of ${counts.perWindow.toLocaleString('en-US')} requests over ${CONNECTIONS} ` +
      'connections (autocannon), `callgrind_control --dump` after each. Per window, instructions (Ir) / answered ' +
      "requests; GC and JIT are what runs under V8's collector and compiler functions (by name, with everything " +
      'they call). Per app: the sum over its windows / all their answered requests.',
  };
}

function notMeasured(reason: string): ScenarioResult {
  return {
    ...base({ modes: [], warmup: 0, windows: 0, perWindow: 0 }),
    procedure: `Not measured: ${reason}.`,
    rows: [],
    targets: [target(TARGET_LABEL, NaN, '<=', LIMIT_PERCENT, '%'), reported(TOTAL_LABEL, NaN, '%')],
    notes: [],
  };
}
