// Reads a callgrind output file (format version 1, one event: Ir) into self costs and call edges by function.
import { readFileSync } from 'node:fs';

export interface Call {
  readonly caller: string;
  readonly callee: string;
  /** Instructions spent in the callee and below, for these calls. */
  readonly cost: number;
}

export interface CallgrindProfile {
  /** Instructions of the whole dump (the sum of the self costs). */
  readonly total: number;
  /** Instructions executed in each function itself, by function name. */
  readonly self: ReadonlyMap<string, number>;
  /** Calls, merged per (caller, callee). */
  readonly calls: readonly Call[];
}

/** A cost line starts with a position: a number, or a relative one (+n, -n, *). */
const COST_LINE = /^[0-9+*-]/;

export function readCallgrindProfile(path: string): CallgrindProfile {
  // fn= and cfn= share one table of compressed names: "(12) name" defines id 12, "(12)" uses it.
  const names = new Map<string, string>();
  const nameOf = (spec: string): string => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!match) return spec;
    if (match[2] !== undefined) names.set(match[1], match[2]);
    const name = names.get(match[1]);
    if (name === undefined) throw new Error(`${path}: function id ${match[1]} used before it was named.`);
    return name;
  };
  const self = new Map<string, number>();
  const edges = new Map<string, Map<string, number>>();
  let fn = '';
  let callee = '';
  let callCostNext = false;
  let declaredTotal: number | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (COST_LINE.test(line)) {
      const cost = Number(line.split(' ')[1] ?? 0);
      if (callCostNext) {
        const byCallee = edges.get(fn) ?? new Map<string, number>();
        byCallee.set(callee, (byCallee.get(callee) ?? 0) + cost);
        edges.set(fn, byCallee);
        callCostNext = false;
      } else {
        self.set(fn, (self.get(fn) ?? 0) + cost);
      }
    } else if (line.startsWith('fn=')) {
      fn = nameOf(line.slice(3));
    } else if (line.startsWith('cfn=')) {
      callee = nameOf(line.slice(4));
    } else if (line.startsWith('calls=')) {
      callCostNext = true;
    } else if (line.startsWith('totals:')) {
      declaredTotal = Number(line.slice(7).trim().split(' ')[0]);
    }
  }
  let total = 0;
  for (const cost of self.values()) total += cost;
  if (declaredTotal !== undefined && declaredTotal !== total) {
    throw new Error(`${path}: self costs add up to ${total}, the file says ${declaredTotal}.`);
  }
  const calls: Call[] = [];
  for (const [caller, byCallee] of edges) {
    for (const [name, cost] of byCallee) calls.push({ caller, callee: name, cost });
  }
  return { total, self, calls };
}
