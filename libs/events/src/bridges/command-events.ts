import { defineEvent } from '../event/event-definition';

/** Emitted by the CQRS bridge (`bridges.cqrs.commands`) when `CommandBus.execute()` starts a command. */
export const CommandExecutionStarted = defineEvent<{ command: string }>('command.execution.started', {
  severity: 'debug',
  description: 'A command was handed to the CQRS CommandBus; its id is the executionId of what follows.',
});

/** Emitted by the CQRS bridge when a command's handler finished; `executionId` is the started event's id. */
export const CommandExecutionCompleted = defineEvent<{
  executionId: string;
  command: string;
  durationMs: number;
}>('command.execution.completed', { description: 'A CQRS command handler finished successfully.' });

/** Emitted by the CQRS bridge when a command's handler threw or rejected (or no handler was found). */
export const CommandExecutionFailed = defineEvent<{
  executionId: string;
  command: string;
  durationMs: number;
  error: string;
  errorName: string;
}>('command.execution.failed', {
  severity: 'error',
  description: 'A CQRS command failed; the error went back to the caller unchanged.',
});

export const COMMAND_DEFINITIONS = [
  CommandExecutionStarted,
  CommandExecutionCompleted,
  CommandExecutionFailed,
] as const;
