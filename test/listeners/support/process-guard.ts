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

/**
 * Guards every test of the enclosing `describe`: installs a guard before each test; after it, runs `teardown`
 * while still installed (so what closing the app does is watched too), uninstalls it and expects that nothing
 * escaped. With `expectNone: false` the test asserts on the returned guard's `problems` itself.
 */
export function guardEachTest(
  teardown: () => Promise<unknown> | void,
  { expectNone = true }: { expectNone?: boolean } = {},
): ProcessGuard {
  const guard = new ProcessGuard();
  beforeEach(() => {
    guard.problems.length = 0;
    guard.install();
  });
  afterEach(async () => {
    await teardown();
    guard.uninstall();
    if (expectNone) expect(guard.problems).toEqual([]);
  });
  return guard;
}
