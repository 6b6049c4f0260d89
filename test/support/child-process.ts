import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const register = join(__dirname, 'ts-register.cjs');

/** How a child ended: its exit code or signal, and when (the test's clock). */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** How a fixture is started. */
export interface ChildOptions {
  /** Variables added to the test's environment (a fixture reads its settings from one). */
  readonly env: Readonly<Record<string, string>>;
  /** Whether the test sends the child commands on its stdin. */
  readonly stdin?: boolean;
}

/**
 * A fixture file run as a real child process (`node -r ts-register.cjs <file>`), its output kept for the test to
 * wait on and read. Only this process is ever signalled, by its own pid. Fault suites extend it with what their
 * fixtures print and understand.
 */
export class TestChild {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private text = '';
  /** Exited and its output all read. */
  private closed = false;
  private readonly listeners = new Set<() => void>();

  constructor(file: string, options: ChildOptions) {
    this.child = spawn(process.execPath, ['-r', register, file], {
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.text += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    // A killed child's stdin reports EPIPE on the next write: nothing to do about it.
    this.child.stdin?.on('error', () => undefined);
    // Timed at 'exit', settled at 'close': by then the child's output has all been read, for what a test
    // reads of it after the exit.
    this.exited = new Promise((resolve) => {
      let at = 0;
      this.child.once('exit', () => (at = Date.now()));
      this.child.once('close', (code, signal) => {
        this.closed = true;
        resolve({ code, signal, at: at || Date.now() });
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
        if (this.closed) done(() => reject(new Error(`child exited before ${pattern}:\n${this.tail()}`)));
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

  /** Sends one command line on the child's stdin (started with `stdin: true`). */
  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** Sends `signal` to this child (by its pid); returns when it was sent (the test's clock). */
  signal(signal: NodeJS.Signals): number {
    if (this.alive) this.child.kill(signal);
    return Date.now();
  }

  /** SIGKILL to this child's pid; resolves once it is gone. */
  kill(): Promise<ChildExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it is still alive after `graceMs`; resolves once it exited. */
  async stop(graceMs = 20_000): Promise<ChildExit> {
    if (!this.alive) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The end of the output, for error messages. */
  private tail(): string {
    return this.text.slice(-8000);
  }
}

/** Kills every child still running (for afterEach/afterAll, where nothing is measured). */
export async function killAll(children: readonly TestChild[]): Promise<void> {
  await Promise.all(children.map((child) => child.kill()));
}
