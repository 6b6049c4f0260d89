import { join } from 'node:path';
import { TestChild } from '../../../support/child-process';
import type { OutboxChildSettings } from './outbox-child';
import type { Placed } from './orders';

export { killAll, type ChildExit } from '../../../support/child-process';

const fixtures = join(__dirname, '..', 'fixtures');

/** The outbox's health details a child prints on `status`. */
export interface OutboxStatus {
  readonly status: 'up' | 'down';
  readonly rows: number;
  readonly failures: number;
  readonly oldestAgeMs: number | null;
}

/**
 * An outbox fault fixture run as a real child process, its settings in `OUTBOX_FAULT_SETTINGS`, driven by
 * commands on its stdin.
 */
export class OutboxProcess extends TestChild {
  constructor(
    fixture: string,
    readonly settings: OutboxChildSettings,
  ) {
    super(join(fixtures, fixture), {
      env: { OUTBOX_FAULT_SETTINGS: JSON.stringify(settings) },
      stdin: true,
    });
  }

  /** Resolves once the app is up (a loaded machine compiles and boots slowly: a generous default). */
  async ready(timeoutMs = 120_000): Promise<void> {
    await this.waitFor(/^ready /, timeoutMs);
  }

  /** `place <from> <count> [pauseMs]`, resolving with what happened to each order. */
  async place(from: number, count: number, pauseMs = 0, timeoutMs = 300_000): Promise<Placed> {
    const reply = new RegExp(`^placed ${from} `);
    const seen = this.lines(reply).length;
    this.send(`place ${from} ${count} ${pauseMs}`);
    const line = await this.waitFor(reply, timeoutMs, seen);
    return JSON.parse(line.slice(line.indexOf('{'))) as Placed;
  }

  /** Starts `loop <from> <pauseMs>`; `halt()` ends it and resolves with what happened. */
  startLoop(from: number, pauseMs: number): { halt(): Promise<Placed> } {
    const reply = new RegExp(`^halted ${from} `);
    const seen = this.lines(reply).length;
    this.send(`loop ${from} ${pauseMs}`);
    return {
      halt: async () => {
        this.send('halt');
        const line = await this.waitFor(reply, 120_000, seen);
        return JSON.parse(line.slice(line.indexOf('{'))) as Placed;
      },
    };
  }

  /** The outbox's health details, as the child's `EventsHealthIndicator.checkOutbox()` gives them. */
  async status(timeoutMs = 30_000): Promise<OutboxStatus> {
    const seen = this.lines(/^status /).length;
    this.send('status');
    const line = await this.waitFor(/^status /, timeoutMs, seen);
    return JSON.parse(line.slice('status '.length)) as OutboxStatus;
  }
}
