import type { BusEvent } from '../event/bus-event.interface';
import type { EventHandler } from './bus.interfaces';
import type { HandlerCounters } from './handler-stats';
import { compilePattern, type TypeMatcher } from './pattern-matcher';
import type { ResolvedRetryPolicy } from './retry-policy';

/**
 * Where a handler takes distributed events from (with a remote transport): `emit` in the emitting process only
 * (`local: true`), `transport` from the transport only (every other handler), `both` for the bus's own waiters.
 */
export type HandlerReach = 'emit' | 'transport' | 'both';

/** One subscribed handler, as the dispatcher sees it. */
export interface HandlerEntry {
  readonly seq: number;
  readonly pattern: string;
  readonly matches: TypeMatcher;
  readonly priority: number;
  readonly name: string;
  readonly handler: EventHandler;
  readonly filter: ((event: BusEvent) => boolean) | undefined;
  readonly once: boolean;
  readonly retry: ResolvedRetryPolicy;
  readonly timeoutMs: number | undefined;
  /** Runs in the event's child context (user handlers); the bus's own waiters need none. */
  readonly ownContext: boolean;
  readonly reach: HandlerReach;
  readonly counters: HandlerCounters;
  active: boolean;
}

export type NewHandlerEntry = Omit<HandlerEntry, 'seq' | 'matches' | 'active'>;

/**
 * Handlers by pattern. Exact patterns are looked up by type; wildcard patterns are tested against each new
 * type once, and the caller caches the result per type until `version` changes.
 */
export class HandlerRegistry {
  private readonly exact = new Map<string, HandlerEntry[]>();
  private wildcards: HandlerEntry[] = [];
  private nextSeq = 0;
  private count = 0;
  /** Bumped on every change; resolution caches compare it. */
  version = 0;

  get size(): number {
    return this.count;
  }

  add(fields: NewHandlerEntry): HandlerEntry {
    const entry: HandlerEntry = {
      ...fields,
      seq: this.nextSeq++,
      matches: compilePattern(fields.pattern),
      active: true,
    };
    if (entry.pattern.includes('*')) {
      this.wildcards = [...this.wildcards, entry];
    } else {
      this.exact.set(entry.pattern, [...(this.exact.get(entry.pattern) ?? []), entry]);
    }
    this.count++;
    this.version++;
    return entry;
  }

  remove(entry: HandlerEntry): void {
    if (!entry.active) return;
    entry.active = false;
    if (entry.pattern.includes('*')) {
      this.wildcards = this.wildcards.filter((e) => e !== entry);
    } else {
      const rest = (this.exact.get(entry.pattern) ?? []).filter((e) => e !== entry);
      if (rest.length) this.exact.set(entry.pattern, rest);
      else this.exact.delete(entry.pattern);
    }
    this.count--;
    this.version++;
  }

  /** Every active handler for `type`, highest priority first, ties in subscription order. */
  resolve(type: string): HandlerEntry[] {
    const found = [...(this.exact.get(type) ?? [])];
    for (const entry of this.wildcards) if (entry.matches(type)) found.push(entry);
    return found.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  /** How many handlers would receive `type`. */
  countFor(type: string): number {
    return this.resolve(type).length;
  }

  all(): HandlerEntry[] {
    return [...[...this.exact.values()].flat(), ...this.wildcards].sort((a, b) => a.seq - b.seq);
  }
}
