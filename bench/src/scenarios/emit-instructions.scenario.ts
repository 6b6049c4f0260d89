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
import { ChildHandle } from '../redis/child-handle';
import {
  reported,
  type ResultRow,
  type RunSettings,
  type ScenarioResult,
  type TargetResult,
} from '../scenario';

const CHILD = 'emit-instructions.child.js';
/** V8's GC and compiler work on the main thread, with fixed seeds (as in http-instructions). */
const NODE_FLAGS = ['--predictable'];
const ABLATION = 'ours-full, Object.freeze a no-op (ablation: breaks the contract)';

/** One counted candidate: its child's name, and how its row is labelled. */
interface Counted {
  readonly operation: string;
  readonly candidate: string;
  /** Preload children/no-freeze.js (the ablation row). */
  readonly noFreeze?: boolean;
}

/** Per operation, the reference first. */
const OPERATIONS: Readonly<Record<string, readonly Counted[]>> = {
  single: [
    { operation: 'single', candidate: '@nestjs/event-emitter' },
    { operation: 'single', candidate: 'ours-full' },
    { operation: 'single', candidate: 'ours-lean' },
    { operation: 'single', candidate: 'ours-full', noFreeze: true },
    { operation: 'single', candidate: '@nestjs/cqrs' },
  ],
  context: [
    { operation: 'context', candidate: '@nestjs/event-emitter + nestjs-cls' },
    { operation: 'context', candidate: 'ours-full' },
  ],
  async: [
    { operation: 'async', candidate: '@nestjs/event-emitter' },
    { operation: 'async', candidate: 'ours-full' },
  ],
  fanout10: [
    { operation: 'fanout10', candidate: '@nestjs/event-emitter' },
    { operation: 'fanout10', candidate: 'ours-full' },
  ],
};

interface Counts {
  readonly operations: readonly string[];
  /** How many candidates of each operation, reference first (quick mode: the reference and ours-full). */
  readonly candidates: number;
  readonly warmup: number;
  readonly counted: number;
}

/**
 * Instructions per operation of the emit scenarios' candidates, counted by callgrind: each candidate runs alone
 * in a process under callgrind, its warm-up uncounted, then `counted` operations with counting on. Instruction
 * counts repeat within a few percent from run to run where wall-clock ratios on a shared 2-core host move by 10-20%,
 * and an ablation row shows what the two Object.freeze calls of each emit cost. Reported, not judged: the targets
 * of these operations are the wall-clock ones of their own scenarios.
 */
export async function emitInstructionsScenario(settings: RunSettings): Promise<ScenarioResult> {
  const counts: Counts = settings.quick
    ? { operations: ['single'], candidates: 2, warmup: 2_000, counted: 1_000 }
    : { operations: Object.keys(OPERATIONS), candidates: Infinity, warmup: 200_000, counted: 20_000 };
  const unavailable = callgrindUnavailable();
  if (unavailable)
    return { ...base(counts), procedure: `Not measured: ${unavailable}.`, rows: [], targets: [], notes: [] };

  const rows: ResultRow[] = [];
  const targets: TargetResult[] = [];
  const jitAndGc: string[] = [];
  await withDumpDir('bench-emit-callgrind', async (dir) => {
    for (const operation of counts.operations) {
      const candidates = OPERATIONS[operation].slice(0, counts.candidates);
      let reference: InstructionSplit | undefined;
      for (const counted of candidates) {
        const split = await count(counted, dir, counts);
        reference ??= split;
        const ratio = split.mutator / reference.mutator;
        rows.push(row(counted, split.mutator, ratio));
        jitAndGc.push(`${label(counted)} ${format(split.gc + split.jit)}`);
        if (counted.candidate === 'ours-full' && counted.noFreeze !== true) {
          targets.push(
            reported(
              `instructions per operation, ${operation}: ours-full / ${candidates[0].candidate}`,
              ratio,
            ),
          );
        }
      }
    }
  });
  return {
    ...base(counts),
    rows,
    targets,
    notes: [`GC and JIT instructions per operation, left out of the rows: ${jitAndGc.join(', ')}.`],
  };
}

/** Runs one candidate under callgrind: instructions per counted operation. */
async function count(counted: Counted, dir: string, counts: Counts): Promise<InstructionSplit> {
  const name = `${counted.operation}/${counted.candidate}`;
  const outFile = join(
    dir,
    `${name.replace(/[^a-z0-9]+/gi, '-')}${counted.noFreeze ? '-no-freeze' : ''}.out`,
  );
  const flags = counted.noFreeze
    ? [...NODE_FLAGS, '--require', join(__dirname, '..', 'children', 'no-freeze.js')]
    : NODE_FLAGS;
  const child = new ChildHandle(CHILD, [name, String(counts.warmup)], [], callgrindLauncher(outFile, flags));
  try {
    await child.next('ready', 600_000);
    const pid = child.process.pid!;
    await instrumentation(pid, true);
    await child.request({ kind: 'run', rate: 0, count: counts.counted }, 'ran', 600_000);
    await dump(pid);
    await instrumentation(pid, false);
  } finally {
    await child.stop(60_000);
  }
  return perOperation(splitV8Work(readCallgrindProfile(`${outFile}.1`)), counts.counted);
}

function label(counted: Counted): string {
  return `${counted.operation}: ${counted.noFreeze ? ABLATION : counted.candidate}`;
}

function row(counted: Counted, mutator: number, ratio: number): ResultRow {
  return { candidate: label(counted), value: mutator, ratio };
}

function format(instructions: number): string {
  return Math.round(instructions).toLocaleString('en-US');
}

function base(counts: Counts): Omit<ScenarioResult, 'rows' | 'targets' | 'notes'> {
  return {
    id: 'emit-instructions',
    title: 'emit-instructions: instructions per operation of the emit scenarios (callgrind)',
    unit: 'instr/op',
    reference: '@nestjs/event-emitter of the same operation',
    procedure:
      `Each candidate runs alone in a process under \`valgrind --tool=callgrind --instr-atstart=no\` with ` +
      `\`node ${NODE_FLAGS.join(' ')}\`, in the app the wall-clock scenario of its operation uses; ` +
      `${counts.warmup.toLocaleString('en-US')} uncounted operations, then ` +
      `${counts.counted.toLocaleString('en-US')} counted ones (batches of 500, each batch's promise jobs run ` +
      "before the next). Rows: instructions per operation without V8's collector and compilers (by function " +
      'name, with everything they call), as in http-instructions. The ablation row preloads a script that makes ' +
      'Object.freeze return its argument unchanged in that process.',
  };
}
