// Which of V8's functions are garbage collection and which are JIT compilation, by their (demangled) names in
// the node binary. Everything they call counts with them (see attribution.ts).
import { costUnder } from './attribution';
import type { CallgrindProfile } from './profile';

/**
 * The collector: scavenges and mark-compact, incremental and concurrent marking, sweeping, the marking write
 * barrier, and the C++ heap's tracing (cppgc) that runs with them.
 */
const GC =
  /^(v8::internal::(Heap::(CollectGarbage|Scavenge|MarkCompact|StartIncrementalMarking|FinalizeIncrementalMarking|CollectAllGarbage|CollectAllAvailableGarbage)\b|ScavengerCollector::|Scavenger::|ScavengeJob::|MinorGCJob::|MarkCompactCollector::|MinorMarkCompactCollector::|IncrementalMarking::|IncrementalMarkingJob::|ConcurrentMarking::|Sweeper::|MemoryReducer::|ArrayBufferSweeper::|CppHeap::|MarkingBarrier::|WriteBarrier::Marking)|cppgc::internal::(Marker|ConcurrentMarker|Sweeper))/;

/** The compilers: Turbofan, Maglev, Sparkplug, lazy bytecode compilation, and deoptimisation. */
const JIT =
  /^v8::internal::(compiler::|Compiler::|OptimizingCompileDispatcher::|baseline::|maglev::|Deoptimizer::)/;

export interface InstructionSplit {
  readonly total: number;
  readonly gc: number;
  readonly jit: number;
  /** Everything else: the program's own work (and the interpreter, ICs, runtime calls it makes). */
  readonly mutator: number;
}

export function splitV8Work(profile: CallgrindProfile): InstructionSplit {
  const gc = costUnder(profile, (name) => GC.test(name));
  const jit = costUnder(profile, (name) => JIT.test(name));
  // A collection the compiler's allocations trigger is both: subtract it once.
  const either = costUnder(profile, (name) => GC.test(name) || JIT.test(name));
  return { total: profile.total, gc, jit, mutator: profile.total - either };
}

/** A split divided by the operations (requests, emits) it counted. */
export function perOperation(split: InstructionSplit, operations: number): InstructionSplit {
  return {
    total: split.total / operations,
    gc: split.gc / operations,
    jit: split.jit / operations,
    mutator: split.mutator / operations,
  };
}
