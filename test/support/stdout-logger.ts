import type { LoggerService } from '@nestjs/common';

/**
 * A child process's logger: prints each log line to stdout as `log|warn|error <message>`, where the test that
 * started the child reads it (`TestChild.waitFor(/^warn .../)`).
 */
export class StdoutLogger implements LoggerService {
  log(message: unknown): void {
    process.stdout.write(`log ${String(message)}\n`);
  }
  warn(message: unknown): void {
    process.stdout.write(`warn ${String(message)}\n`);
  }
  error(message: unknown): void {
    process.stdout.write(`error ${String(message)}\n`);
  }
}
