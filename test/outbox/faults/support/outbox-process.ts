import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { OutboxChildSettings } from './outbox-child';
import type { Placed } from './orders';

const register = join(__dirname, '..', '..', '..', 'support', 'ts-register.cjs');
const fixtures = join(__dirname, '..', 'fixtures');

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The outbox's health details a child prints on `status`. */
export interface OutboxStatus {
  readonly status: 'up' | 'down';
  readonly rows: number;
  readonly failures: number;
  readonly oldestAgeMs: number | null;
}

/**
 * One fixture run as a real child process (`node -r ts-register.cjs <fixture>`), driven by commands on its stdin,
 * with its output kept. Only this process is ever signalled, by its own pid.
 */
export class OutboxProcess {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private text = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    fixture: string,
    readonly settings: OutboxChildSettings,
  ) {
    this.child = spawn(process.execPath, ['-r', register, join(fixtures, fixture)], {
      env: { ...process.env, OUTBOX_FAULT_SETTINGS: JSON.stringify(settings) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.text += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    // A killed child's stdin reports EPIPE on the next write: nothing to do about it.
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
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

  /**
   * Resolves with the first line matching `pattern` printed after `after` lines of that pattern were there;
   * rejects if the child exits first or after `timeoutMs`.
   */
  waitFor(pattern: RegExp, timeoutMs = 60_000, after = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.lines(pattern)[after];
        if (line !== undefined) return done(() => resolve(line));
        if (!this.alive) done(() => reject(new Error(`child exited before ${pattern}:\n${this.tail()}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.tail()}`))),
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

  /** Resolves once the app is up (a loaded machine compiles and boots slowly: a generous default). */
  async ready(timeoutMs = 120_000): Promise<void> {
    await this.waitFor(/^ready /, timeoutMs);
  }

  /** Sends one command line. */
  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
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

  /** SIGKILL to this child's pid; resolves once it is gone. */
  async kill(): Promise<ChildExit> {
    if (this.alive) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it is still alive after `graceMs`; resolves once it exited. */
  async stop(graceMs = 20_000): Promise<ChildExit> {
    if (!this.alive) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private tail(): string {
    return this.text.slice(-4000);
  }
}

/** Kills every child still running (used in afterAll, where nothing is measured). */
export async function killAll(children: readonly OutboxProcess[]): Promise<void> {
  await Promise.all(children.map((child) => child.kill()));
}
