// The child side of ../redis/child-handle: commands from the scenario in, replies and reports out.
import type { ChildMessage } from '../redis/child-handle';

/** Calls `handle` with each command the scenario sends; a failing command ends the child with its error. */
export function onCommand(handle: (message: ChildMessage) => void | Promise<void>): void {
  process.on('message', (message) => {
    Promise.resolve(handle(message as ChildMessage)).catch(fail);
  });
}

export function reply(message: ChildMessage): void {
  process.send!(message);
}

/** Ends the child with an error the scenario sees as its exit. */
export function fail(error: unknown): never {
  console.error(error);
  process.exit(1);
}

/** What a child process does in its role: publishers answer 'run' (resolving with the ms it took); all close. */
export interface RoleProcess {
  run?(rate: number, count: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Answers the commands of a latency or load process: 'run' (publishers), 'collect' (consumers: `take()` hands
 * over the samples recorded since the last collect) and 'stop'; then tells the scenario it is ready.
 */
export function serve(made: RoleProcess, take: () => number[]): void {
  onCommand(async (message) => {
    if (message.kind === 'run') {
      const elapsedMs = await made.run!(Number(message.rate), Number(message.count));
      reply({ kind: 'ran', elapsedMs });
    } else if (message.kind === 'collect') {
      reply({ kind: 'samples', values: take() });
    } else if (message.kind === 'stop') {
      await made.close();
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
}
