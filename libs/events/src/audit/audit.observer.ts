import type { BusObserver } from '../bus/bus-observer';
import type { EventBusService } from '../bus/event-bus.service';
import { compilePattern, type TypeMatcher } from '../bus/pattern-matcher';
import type { BusEvent } from '../event/bus-event.interface';
import type { AuditWriter } from './audit-writer';

const MAX_CACHED_TYPES = 2048;

/** Picks the events to audit (definition says `audit: true`, or an `include` pattern matches) for the writer. */
export class AuditObserver implements BusObserver {
  private readonly matchers: readonly TypeMatcher[];
  /** Whether an `include` pattern matches a type; bounded, owned by this observer. */
  private readonly included = new Map<string, boolean>();

  constructor(
    private readonly bus: EventBusService,
    include: readonly string[],
    private readonly writer: AuditWriter,
  ) {
    this.matchers = include.map(compilePattern);
  }

  onEvent(event: BusEvent, awaited?: boolean): Promise<void> | undefined {
    if (this.bus.definitionOf(event.type)?.audit !== true && !this.isIncluded(event.type)) return undefined;
    return this.writer.add(event, awaited === true);
  }

  private isIncluded(type: string): boolean {
    if (this.matchers.length === 0) return false;
    let included = this.included.get(type);
    if (included === undefined) {
      included = this.matchers.some((matches) => matches(type));
      if (this.included.size < MAX_CACHED_TYPES) this.included.set(type, included);
    }
    return included;
  }
}
