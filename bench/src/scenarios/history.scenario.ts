import { HISTORY_MAX_BYTES, type HistoryReport } from '../children/history.report';
import { median } from '../harness';
import { runChild } from '../run-child';
import {
  target,
  type ResultRow,
  type RunSettings,
  type ScenarioResult,
  type TargetResult,
} from '../scenario';

const KIB = 1024;
const EVENTS = 1_000;
const LIMIT = 1.25;

/**
 * How honest the history's byte bound is: heap retained by full histories of 1,000 events against the bus's own
 * estimate (`stats().history.bytes`), for the bench payload and for an array of small objects.
 */
export async function historyScenario(settings: RunSettings): Promise<ScenarioResult> {
  const repetitions = settings.quick ? 1 : 5;
  const report = await runChild<HistoryReport>(
    'history.child.js',
    [EVENTS, repetitions, settings.quick ? 4 : 1].map(String),
    ['--expose-gc'],
  );
  const rows: ResultRow[] = [];
  const targets: TargetResult[] = [];
  const notes: string[] = [];
  for (const [shape, figures] of Object.entries(report)) {
    const ratios = figures.retained.map((retained, i) => retained / figures.estimate[i]);
    const retained = median(figures.retained);
    const estimate = median(figures.estimate);
    rows.push(
      { candidate: `${shape}: retained heap, per history`, value: retained / figures.buses / KIB },
      { candidate: `${shape}: stats().history.bytes, per history`, value: estimate / figures.buses / KIB },
    );
    targets.push(
      target(`history retained / estimate, ${shape} payload <= ${LIMIT}`, median(ratios), '<=', LIMIT),
    );
    notes.push(
      `${shape}: ${figures.buses} buses per repetition; ${(retained / figures.events).toFixed(0)} B retained and ` +
        `${(estimate / figures.events).toFixed(0)} B estimated per event; retained / estimate per repetition ` +
        `${ratios.map((r) => r.toFixed(2)).join(', ')}.`,
    );
  }
  return {
    id: 'history',
    title: `history: heap retained by ${EVENTS.toLocaleString('en-US')} events against the bus's byte estimate`,
    unit: 'KiB',
    rows,
    targets,
    notes,
    procedure:
      `A fresh child process with --expose-gc; per payload, ${repetitions} repetition(s), each on several fresh apps ` +
      `with EventsModule.forRoot({ history: { maxEvents: ${EVENTS}, maxBytes: ${HISTORY_MAX_BYTES / KIB / KIB} MiB } }) ` +
      '(only the event count bounds them). Each bus gets one event of the payload, then the object heap ' +
      '(heapUsed without the code spaces, after a timer tick and two forced GCs) and the summed ' +
      `stats().history.bytes are read; ${EVENTS.toLocaleString('en-US')} more events go into each bus, evicting ` +
      'the first and the startup event, and both are read again. Retained and estimate are the two ' +
      'differences; the target is the median of their per-repetition ratio. A throwaway app emits every payload ' +
      'first, so the JIT has compiled the path before any baseline.',
  };
}
