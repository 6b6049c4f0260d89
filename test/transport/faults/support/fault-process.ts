import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChildSettings } from './fault-child';

const register = join(__dirname, '..', '..', '..', 'support', 'ts-register.cjs');
const fixtures = join(__dirname, '..', 'fixtures');

/** How a child ended: its exit code or signal, and when (the test's clock). */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

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

/**
 * One fixture run as a real child process (`node -r ts-register.cjs <fixture>`), with its output kept. Only
 * this process is ever signalled, by its own pid.
 */
export class FaultProcess {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private text = '';
  private readonly listeners = new Set<() => void>();

  constructor(fixture: string, settings: ChildSettings) {
    this.child = spawn(process.execPath, ['-r', register, join(fixtures, fixture)], {
      env: { ...process.env, FAULT_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.text += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal, at: Date.now() });
        for (const listener of this.listeners) listener();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything the child printed so far. */
  output(): string {
    return this.text;
  }

  /** Lines the child printed that match `pattern`. */
  lines(pattern: RegExp): string[] {
    return this.text.split('\n').filter((line) => pattern.test(line));
  }

  /** Resolves with the first line matching `pattern`; rejects if the child exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.lines(pattern)[0];
        if (line !== undefined) return done(() => resolve(line));
        if (!this.alive) done(() => reject(new Error(`child exited before ${pattern}:\n${this.text}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.text}`))),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves with the consumer name once the app is up. */
  async ready(timeoutMs = 60_000): Promise<string> {
    return (await this.waitFor(/^ready /, timeoutMs)).slice('ready '.length);
  }

  /** Sends `signal` to this child (by its pid) and returns when it was sent. */
  signal(signal: NodeJS.Signals): number {
    if (this.alive) this.child.kill(signal);
    return Date.now();
  }

  /** The figures printed after a SIGTERM. */
  stats(): ChildStats {
    const line = this.lines(/^stats /)[0];
    if (line === undefined) throw new Error(`the child printed no stats:\n${this.text}`);
    return JSON.parse(line.slice('stats '.length)) as ChildStats;
  }

  /** SIGTERM, then SIGKILL if it is still alive after `graceMs`; resolves once it exited. */
  async stop(graceMs = 15_000): Promise<ChildExit> {
    if (!this.alive) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** Stops every child still running (SIGKILL: used in afterEach, where nothing is measured). */
export async function killAll(children: readonly FaultProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      child.signal('SIGKILL');
      return child.exited;
    }),
  );
}
