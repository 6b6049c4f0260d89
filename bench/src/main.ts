// `npm run bench` entry point: runs every scenario, prints the table and writes docs/benchmarks.md.
// Flags: --quick (tiny counts, writes bench/dist/benchmarks.quick.md), --only=single,context (a subset, for
// working on one scenario, or a group: --only=outbox runs outbox and outbox-latency; writes
// bench/dist/benchmarks.partial.md), --out=<path> (where to write).
// http-instructions runs the HTTP apps under valgrind (its targets read "not measured" where valgrind is missing);
// BENCH_CALLGRIND_DIR=<dir> keeps its callgrind dumps there for callgrind_annotate.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { asyncScenario } from './scenarios/async.scenario';
import { auditScenario } from './scenarios/audit.scenario';
import { contextScenario } from './scenarios/context.scenario';
import { emitInstructionsScenario } from './scenarios/emit-instructions.scenario';
import { fanoutScenario } from './scenarios/fanout.scenario';
import { historyScenario } from './scenarios/history.scenario';
import { httpInstructionsScenario } from './scenarios/http-instructions.scenario';
import { httpScenario } from './scenarios/http.scenario';
import { memoryScenario } from './scenarios/memory.scenario';
import { otelScenario } from './scenarios/otel.scenario';
import { outboxLatencyScenario } from './scenarios/outbox-latency.scenario';
import { outboxScenario } from './scenarios/outbox.scenario';
import { redisConsumeScenario } from './scenarios/redis-consume.scenario';
import { redisFailoverScenario } from './scenarios/redis-failover.scenario';
import { redisLatencyScenario } from './scenarios/redis-latency.scenario';
import { redisMemoryScenario } from './scenarios/redis-memory.scenario';
import { redisPublishScenario } from './scenarios/redis-publish.scenario';
import { singleScenario } from './scenarios/single.scenario';
import { traceScenario } from './scenarios/trace.scenario';
import { wildcardScenario } from './scenarios/wildcard.scenario';
import { consoleReport, describeMachine, markdownReport } from './report';
import { HOT_PATH_CHANGES, METHOD, MISS_NOTES, STATUS } from './notes';
import type { RunSettings, ScenarioResult } from './scenario';

const SCENARIOS: Record<string, (settings: RunSettings) => Promise<ScenarioResult>> = {
  single: singleScenario,
  context: contextScenario,
  fanout10: fanoutScenario,
  wildcard: wildcardScenario,
  async: asyncScenario,
  'emit-instructions': emitInstructionsScenario,
  http: httpScenario,
  'http-instructions': httpInstructionsScenario,
  memory: memoryScenario,
  history: historyScenario,
  audit: auditScenario,
  otel: otelScenario,
  trace: traceScenario,
  'redis-publish': redisPublishScenario,
  'redis-consume': redisConsumeScenario,
  'redis-latency': redisLatencyScenario,
  'redis-failover': redisFailoverScenario,
  'redis-memory': redisMemoryScenario,
  outbox: outboxScenario,
  'outbox-latency': outboxLatencyScenario,
};

/** Names `--only` accepts for several scenarios at once. */
const GROUPS: Record<string, readonly string[]> = {
  outbox: ['outbox', 'outbox-latency'],
};

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '../..');
  const quick = process.argv.includes('--quick');
  const only = option('only')
    ?.split(',')
    .flatMap((id) => GROUPS[id] ?? [id]);
  for (const id of only ?? []) {
    if (!SCENARIOS[id])
      throw new Error(`Unknown scenario "${id}"; known: ${Object.keys(SCENARIOS).join(', ')}.`);
  }
  const out = resolve(
    root,
    option('out') ??
      (quick
        ? 'bench/dist/benchmarks.quick.md'
        : only
          ? 'bench/dist/benchmarks.partial.md'
          : 'docs/benchmarks.md'),
  );
  const machine = describeMachine(root);
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  for (const [id, scenario] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(id)) continue;
    const started = Date.now();
    process.stdout.write(`${id}... `);
    results.push(await scenario({ quick }));
    process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  console.log(consoleReport(results));
  if (!quick && !only) warnUnusedNotes(results);

  const args = process.argv.slice(2).join(' ');
  const markdown = markdownReport({
    results,
    machine,
    command: `npm run bench${args ? ` -- ${args}` : ''}`,
    quick,
    startedAt,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    missNotes: MISS_NOTES,
    method: METHOD,
    status: STATUS,
    changes: HOT_PATH_CHANGES,
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, markdown);
  console.log(`\nWrote ${relative(root, out) || join(out)}`);
}

/** A miss note whose label no target has any more would never be printed: say so (full runs only). */
function warnUnusedNotes(results: readonly ScenarioResult[]): void {
  const labels = new Set(results.flatMap((r) => r.targets.map((t) => t.label)));
  const unused = Object.keys(MISS_NOTES).filter((label) => !labels.has(label));
  if (unused.length > 0) console.warn(`\nMiss notes no target of this run uses: ${unused.join('; ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
