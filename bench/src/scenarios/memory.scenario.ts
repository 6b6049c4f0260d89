import { runChild } from '../run-child';
import { rowsFrom, target, type RunSettings, type ScenarioResult } from '../scenario';

const MIB = 1024 * 1024;
const LIMIT_MIB = 12;

interface MemoryReport {
  before: number;
  after: number;
  count: number;
  nsPerEmit: number;
  history: { size: number; bytes: number; evicted: number };
}

/** Heap growth after 1,000,000 emits with history at its defaults, in a fresh child process. */
export async function memoryScenario(settings: RunSettings): Promise<ScenarioResult> {
  const count = settings.quick ? 20_000 : 1_000_000;
  const report = await runChild<MemoryReport>('memory.child.js', [String(count)], ['--expose-gc']);
  const growthMiB = (report.after - report.before) / MIB;
  const figures = new Map([['ours-full, heap growth (MiB)', [growthMiB]]]);
  return {
    id: 'memory',
    title: `memory: heap growth after ${count.toLocaleString('en-US')} emits, history at its defaults`,
    unit: 'MiB',
    rows: rowsFrom(figures, undefined),
    targets: [
      target(
        `heap growth after ${count.toLocaleString('en-US')} events <= ${LIMIT_MIB} MiB`,
        growthMiB,
        '<=',
        LIMIT_MIB,
        'MiB',
      ),
    ],
    notes: [
      `heapUsed ${(report.before / MIB).toFixed(1)} -> ${(report.after / MIB).toFixed(1)} MiB after forced GC; ` +
        `history kept ${report.history.size} events (${(report.history.bytes / 1024).toFixed(0)} KiB), evicted ` +
        `${report.history.evicted.toLocaleString('en-US')}; ${report.nsPerEmit.toFixed(0)} ns per emit in that loop.`,
    ],
    procedure: `One run of ${count.toLocaleString('en-US')} emits in a fresh child process.`,
  };
}
