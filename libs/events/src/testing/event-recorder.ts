import type { INestApplicationContext } from '@nestjs/common';
import { EventBusService } from '../bus/event-bus.service';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventData, EventDefinition } from '../event/event-definition';
import { compilePattern } from '../bus/pattern-matcher';

type Target<T> = string | EventDefinition<T, unknown>;
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * Records every event on a bus, for tests.
 *
 * @example
 * const events = EventRecorder.attach(app);
 * await request(...);
 * await events.flush();
 * events.expectEvent(UserCreated, { email: 'a@b.c' });
 */
export class EventRecorder {
  private readonly recorded: BusEvent[] = [];
  private readonly detach: () => void;

  private constructor(private readonly bus: EventBusService) {
    // An observer, not a listener: it sees every event before any handler runs, and it does not show up in
    // `handled` counts, `listenerCount()`, `stats().handlers` or the `system.startup` listener count.
    this.detach = bus.addObserver({ onEvent: (event) => void this.recorded.push(event) });
  }

  /** Starts recording the bus of a Nest app or testing module, or a bus itself. */
  static attach(target: INestApplicationContext | EventBusService): EventRecorder {
    const bus = target instanceof EventBusService ? target : target.get(EventBusService, { strict: false });
    return new EventRecorder(bus);
  }

  /** Everything recorded so far, oldest first; optionally only one type or pattern. */
  events<T = unknown>(target?: Target<T>): BusEvent<T>[] {
    if (target === undefined) return [...this.recorded] as BusEvent<T>[];
    const matches = compilePattern(typeName(target));
    return this.recorded.filter((e) => matches(e.type)) as BusEvent<T>[];
  }

  /**
   * Returns the first recorded event of that type whose data contains `partialData` (deeply), or throws an
   * error that lists what was recorded instead.
   */
  expectEvent<D extends EventDefinition<unknown, unknown>>(
    definition: D,
    partialData?: DeepPartial<EventData<D>>,
  ): BusEvent<EventData<D>>;
  expectEvent<T = unknown>(type: string, partialData?: DeepPartial<T>): BusEvent<T>;
  expectEvent(target: Target<unknown>, partialData?: unknown): BusEvent {
    const candidates = this.events(target);
    const found = firstWithData(candidates, partialData);
    if (found) return found;
    const type = typeName(target);
    const seen = this.recorded.map((e) => e.type);
    const detail =
      candidates.length > 0
        ? `${candidates.length} "${type}" event(s) were recorded, but none with data containing ${JSON.stringify(partialData)}; ` +
          `their data: ${candidates.map((e) => JSON.stringify(e.data)).join(', ')}`
        : `recorded types: ${seen.length ? [...new Set(seen)].join(', ') : '(none)'}`;
    throw new Error(`Expected an event "${type}" to have been emitted: ${detail}.`);
  }

  /** Throws if an event of that type (optionally with that data) was recorded. */
  expectNoEvent(target: Target<unknown>, partialData?: unknown): void {
    const found = firstWithData(this.events(target), partialData);
    if (found) {
      throw new Error(
        `Expected no "${typeName(target)}" event, but one was recorded: ${JSON.stringify(found)}.`,
      );
    }
  }

  /** The next matching event: an already recorded one is not enough, it waits for a new one. */
  waitForEvent<T = unknown>(
    target: Target<T>,
    options: { timeoutMs?: number; filter?: (event: BusEvent<T>) => boolean } = {},
  ): Promise<BusEvent<T>> {
    return this.bus.waitFor(typeName(target), options) as Promise<BusEvent<T>>;
  }

  /** Waits until no handler is running or waiting to retry (default limit 5 s). */
  flush(timeoutMs = 5000): Promise<void> {
    return this.bus.drain(timeoutMs);
  }

  clear(): void {
    this.recorded.length = 0;
  }

  /** Stops recording. */
  stop(): void {
    this.detach();
  }
}

function typeName(target: Target<unknown>): string {
  return typeof target === 'string' ? target : target.type;
}

/** The first event whose data contains `partialData` deeply (any event when it is undefined). */
function firstWithData(events: readonly BusEvent[], partialData: unknown): BusEvent | undefined {
  return events.find((e) => partialData === undefined || containsDeep(e.data, partialData));
}

function containsDeep(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected);
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      expected.length === actual.length &&
      expected.every((v, i) => containsDeep(actual[i], v))
    );
  }
  return Object.entries(expected).every(([key, value]) =>
    containsDeep((actual as Record<string, unknown>)[key], value),
  );
}
