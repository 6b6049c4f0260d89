// Long-lived child processes that a scenario drives over IPC: start one, send it commands, wait for its replies,
// and kill it by its pid (SIGKILL where a scenario needs a crash).
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Launcher } from '../http-servers';

/** A message between a scenario and its children: a `kind` and whatever else the kind carries. */
export interface ChildMessage {
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** One child process of `children/<script>`. */
export class ChildHandle {
  readonly process: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private readonly waiting: { kind: string; resolve: (m: ChildMessage) => void }[] = [];
  private readonly listeners = new Map<string, (m: ChildMessage) => void>();
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitWaiters: (() => void)[] = [];

  /** `launcher`: start Node through a wrapper (valgrind), whose arguments come before `execArgv`. */
  constructor(
    script: string,
    args: readonly string[],
    execArgv: readonly string[] = [],
    launcher?: Launcher,
  ) {
    this.process = fork(join(__dirname, '..', 'children', script), [...args], {
      execArgv: [...(launcher?.args ?? []), ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      ...(launcher ? { execPath: launcher.command } : {}),
    });
    this.process.on('message', (raw) => this.receive(raw as ChildMessage));
    this.process.on('exit', (code, signal) => {
      this.exited = { code, signal };
      for (const waiter of this.waiting.splice(0)) {
        waiter.resolve({ kind: 'exit', code, signal, waitedFor: waiter.kind });
      }
      for (const wake of this.exitWaiters.splice(0)) wake();
    });
  }

  /** Hands every message of `kind` to `listener` instead of keeping it for `next()` (streams of reports). */
  onMessage(kind: string, listener: (message: ChildMessage) => void): void {
    this.listeners.set(kind, listener);
  }

  send(message: ChildMessage): void {
    this.process.send(message);
  }

  /**
   * Resolves with the next message of `kind` (one received earlier and not yet taken included); rejects when the
   * child exits first or `timeoutMs` passes.
   */
  async next(kind: string, timeoutMs = 60_000): Promise<ChildMessage> {
    const at = this.inbox.findIndex((m) => m.kind === kind);
    if (at >= 0) return this.inbox.splice(at, 1)[0];
    if (this.exited) throw new Error(`child ${this.process.pid} exited before sending "${kind}"`);
    let timer: NodeJS.Timeout | undefined;
    const message = await Promise.race([
      new Promise<ChildMessage>((resolve) => this.waiting.push({ kind, resolve })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no "${kind}" from child within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (message.kind === 'exit') {
      throw new Error(
        `child ${this.process.pid} exited (${String(message.code ?? message.signal)}) before "${kind}"`,
      );
    }
    return message;
  }

  /** Sends `message` and resolves with the reply of `replyKind`. */
  request(message: ChildMessage, replyKind: string, timeoutMs?: number): Promise<ChildMessage> {
    const reply = this.next(replyKind, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Sends SIGKILL to this child's pid and resolves once it exited. */
  async crash(): Promise<void> {
    if (!this.exited) this.process.kill('SIGKILL');
    await this.exit();
  }

  /** Asks the child to finish (`{ kind: 'stop' }`), killing it after `timeoutMs`; resolves once it exited. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.send({ kind: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    await this.exit();
    clearTimeout(timer);
  }

  private exit(): Promise<void> {
    return this.exited ? Promise.resolve() : new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private receive(message: ChildMessage): void {
    const listener = this.listeners.get(message.kind);
    if (listener) return listener(message);
    const at = this.waiting.findIndex((w) => w.kind === message.kind);
    if (at >= 0) this.waiting.splice(at, 1)[0].resolve(message);
    else this.inbox.push(message);
  }
}

/** Stops every child (those already gone are skipped). */
export async function stopAll(children: readonly ChildHandle[]): Promise<void> {
  await Promise.all(children.map((child) => child.stop()));
}
