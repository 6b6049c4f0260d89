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
