import { Logger, type LoggerService } from '@nestjs/common';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AuditCheckpoint, CheckpointSink } from './checkpoint';

/**
 * Appends checkpoints to a file, one JSON object a line, and reads them back for `verify()`. Keep the file where
 * the audit database's writers cannot write: another disk, a volume that only this process mounts, a directory
 * shipped off the machine.
 */
export class FileCheckpointSink implements CheckpointSink {
  /** Absolute path of the file. */
  readonly path: string;

  constructor(options: { path: string }) {
    this.path = resolve(options.path);
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, JSON.stringify(checkpoint) + '\n', 'utf8');
  }

  async read(): Promise<AuditCheckpoint[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
    const checkpoints: AuditCheckpoint[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        checkpoints.push(JSON.parse(line) as AuditCheckpoint);
      } catch {
        // A torn or edited line: verify() counts what is left as checkpoints to check; this one cannot be.
      }
    }
    return checkpoints;
  }
}

/**
 * Writes each checkpoint as a log line (`audit checkpoint {...}`), for a log pipeline that ships lines off the
 * machine. It cannot read them back: give them to `verify({ checkpoints })`.
 */
export class LoggerCheckpointSink implements CheckpointSink {
  private readonly logger: LoggerService;

  constructor(logger?: LoggerService) {
    this.logger = logger ?? new Logger('EventAuditCheckpoint');
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    this.logger.log(`audit checkpoint ${JSON.stringify(checkpoint)}`);
  }
}
