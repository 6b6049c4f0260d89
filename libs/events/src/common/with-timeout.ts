/**
 * Settles like `work`, or rejects with `onTimeout()` when `timeoutMs` passes first. The timer is cleared either
 * way, so nothing is left to keep the process alive.
 */
export function withTimeout<T>(work: PromiseLike<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
