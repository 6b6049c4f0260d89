import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `children/<script>` in a fresh Node process with `execArgv` and resolves with the last message it sent;
 * rejects when it exits without one or with a non-zero code.
 */
export function runChild<T>(
  script: string,
  args: readonly string[],
  execArgv: readonly string[],
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(join(__dirname, 'children', script), [...args], {
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let received: { message: T } | undefined;
    child.on('message', (message) => (received = { message: message as T }));
    child.on('error', reject);
    child.on('exit', (code) =>
      received && code === 0
        ? resolve(received.message)
        : reject(new Error(`${script} exited with ${code}${received ? '' : ' without a report'}`)),
    );
  });
}
