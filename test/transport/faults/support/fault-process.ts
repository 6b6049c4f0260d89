import { join } from 'node:path';
import { TestChild } from '../../../support/child-process';
import type { ChildSettings } from './fault-child';

export { killAll, type ChildExit } from '../../../support/child-process';

const fixtures = join(__dirname, '..', 'fixtures');

/** What a child prints on SIGTERM once its app closed: the transport's figures. */
export interface ChildStats {
  readonly consumed: number;
  readonly acked: number;
  readonly claimed: number;
  readonly deadLettered: number;
  readonly dropped: number;
  readonly reconnects: number;
  readonly trimmed: number;
  readonly trimmedByCap: number;
  readonly lostToTrim: number;
  readonly closeMs: number;
}

/** A transport fault fixture run as a real child process, its settings in `FAULT_SETTINGS`. */
export class FaultProcess extends TestChild {
  constructor(fixture: string, settings: ChildSettings) {
    super(join(fixtures, fixture), { env: { FAULT_SETTINGS: JSON.stringify(settings) } });
  }

  /** Resolves with the consumer name once the app is up. */
  async ready(timeoutMs = 60_000): Promise<string> {
    return (await this.waitFor(/^ready /, timeoutMs)).slice('ready '.length);
  }

  /** The figures printed after a SIGTERM. */
  stats(): ChildStats {
    const line = this.lines(/^stats /)[0];
    if (line === undefined) throw new Error(`the child printed no stats:\n${this.output()}`);
    return JSON.parse(line.slice('stats '.length)) as ChildStats;
  }
}
