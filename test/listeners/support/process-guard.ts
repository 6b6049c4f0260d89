import { runInThisContext } from 'node:vm';

/**
 * Collects every `unhandledRejection` and `uncaughtException` the process sees while installed, so a test can
 * assert that none escaped.
 *
 * Jest gives each test file a copy of `process`: listeners added to it never fire. The real process object is
 * the one Node's own context sees, reached here through `vm.runInThisContext` (a function of that context).
 */
export class ProcessGuard {
  readonly problems: { kind: 'unhandledRejection' | 'uncaughtException'; error: unknown }[] = [];
  private readonly process = runInThisContext('process') as NodeJS.Process;
  private readonly onRejection = (error: unknown) =>
    this.problems.push({ kind: 'unhandledRejection', error });
  private readonly onException = (error: unknown) => this.problems.push({ kind: 'uncaughtException', error });

  install(): this {
    this.process.on('unhandledRejection', this.onRejection);
    this.process.on('uncaughtException', this.onException);
    return this;
  }

  uninstall(): void {
    this.process.off('unhandledRejection', this.onRejection);
    this.process.off('uncaughtException', this.onException);
  }
}
