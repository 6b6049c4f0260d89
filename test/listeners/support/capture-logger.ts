import type { LoggerService } from '@nestjs/common';

/** One line a Nest logger was given. */
export interface CapturedLog {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
  context: string | undefined;
}

/** A Nest logger that keeps what it is given instead of printing it, so tests can assert on logs. */
export class CaptureLogger implements LoggerService {
  readonly lines: CapturedLog[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Lines of that level logged under the bus's context (`EventBus`). */
  fromBus(level: CapturedLog['level']): string[] {
    return this.lines.filter((l) => l.level === level && l.context === 'EventBus').map((l) => l.message);
  }

  private keep(level: CapturedLog['level'], message: unknown, rest: unknown[]): void {
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string'
        ? (rest[rest.length - 1] as string)
        : undefined;
    this.lines.push({ level, message: String(message), context });
  }
}
