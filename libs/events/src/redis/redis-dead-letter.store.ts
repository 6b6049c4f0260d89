import type { LoggerService } from '@nestjs/common';
import type { DeadLetter, DeadLetterQuery } from '../bus/bus.interfaces';
import type { DeadLetterStore } from '../bus/ports/dead-letter-store.port';
import { errorMessage } from '../common/error-message';
import { decodeEvent } from '../event/event.codec';
import type { RedisClient } from './redis.connections';
import { toEntries, type RawEntry } from './stream.entry';

/** A dead-letter stream of the group, by the stream name that prefixes its letters' ids. */
export interface DeadLetterStream {
  readonly name: string;
  readonly key: string;
}

/** Entries read per XRANGE while catching up. */
const PAGE = 500;

/**
 * The group's dead letters, as a mirror of its dead-letter streams in Redis: so `deadLetters()` lists those of
 * every instance of the service. The mirror catches up with a cheap XRANGE from the last id it saw, reloads a
 * stream whose length no longer matches (letters removed elsewhere), and keeps what this process writes at once.
 * `remove()` deletes the letter from its stream too. Letters `add()`ed by the bus itself (failures of events
 * that did not come through the transport) stay in this process.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();
  private readonly lastSeen = new Map<string, string>();
  private readonly counted = new Set<string>();
  /** Per stream, entries that are not events (kept as they arrived): in Redis, but not listed. */
  private readonly unlisted = new Map<string, number>();
  private added = 0;
  private commands: RedisClient | undefined;
  private streams: readonly DeadLetterStream[] = [];
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly logger: LoggerService) {}

  get total(): number {
    return this.added;
  }

  /** Starts mirroring `streams`, polling every `intervalMs`. */
  attach(commands: RedisClient, streams: readonly DeadLetterStream[], intervalMs: number): Promise<void> {
    this.commands = commands;
    this.streams = streams;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
    return this.refresh();
  }

  /** Stops polling; the letters seen so far stay listed. */
  detach(): void {
    clearInterval(this.timer);
    this.commands = undefined;
  }

  /** Catches up with the streams now (the poll does this on its own). */
  refresh(): Promise<void> {
    return (this.refreshing ??= this.catchUp().finally(() => (this.refreshing = undefined)));
  }

  /** Keeps a letter this process just wrote to a stream. */
  keep(letter: DeadLetter): void {
    this.insert(letter);
  }

  add(letter: DeadLetter): void {
    this.insert(letter);
  }

  get(id: string): DeadLetter | undefined {
    return this.letters.get(id);
  }

  remove(id: string): void {
    this.letters.delete(id);
    const slash = id.lastIndexOf('/');
    const stream = this.streams.find((candidate) => candidate.name === id.slice(0, slash));
    if (stream === undefined || this.commands === undefined) return;
    this.commands.xdel(stream.key, id.slice(slash + 1)).catch((error: unknown) => {
      this.logger.warn(`Could not delete dead letter ${id} from Redis: ${errorMessage(error)}`);
    });
  }

  list(query: DeadLetterQuery = {}): DeadLetter[] {
    const found = [...this.letters.values()]
      .filter(
        (letter) =>
          (query.type === undefined || letter.event.type === query.type) &&
          (query.handler === undefined || letter.handler === query.handler) &&
          (query.correlationId === undefined || letter.event.correlationId === query.correlationId),
      )
      .sort((a, b) => (a.failedAt < b.failedAt ? -1 : a.failedAt > b.failedAt ? 1 : 0));
    return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
  }

  private insert(letter: DeadLetter): void {
    if (!this.counted.has(letter.id)) {
      this.counted.add(letter.id);
      this.added++;
    }
    this.letters.set(letter.id, letter);
  }

  private async catchUp(): Promise<void> {
    const commands = this.commands;
    if (commands === undefined || commands.status !== 'ready') return;
    for (const stream of this.streams) {
      await this.readFrom(commands, stream, this.lastSeen.get(stream.name));
      const length = await commands.xlen(stream.key);
      if (length !== this.mirrored(stream.name)) await this.reload(commands, stream);
    }
  }

  private async reload(commands: RedisClient, stream: DeadLetterStream): Promise<void> {
    for (const id of this.letters.keys()) if (id.startsWith(`${stream.name}/`)) this.letters.delete(id);
    this.lastSeen.delete(stream.name);
    this.unlisted.delete(stream.name);
    await this.readFrom(commands, stream, undefined);
  }

  private async readFrom(
    commands: RedisClient,
    stream: DeadLetterStream,
    after: string | undefined,
  ): Promise<void> {
    let start = after === undefined ? '-' : `(${after}`;
    for (;;) {
      const entries = toEntries(await commands.xrange(stream.key, start, '+', 'COUNT', PAGE));
      for (const entry of entries) {
        const letter = this.toLetter(stream.name, entry);
        if (letter !== undefined) this.insert(letter);
      }
      if (entries.length === 0) return;
      const last = entries[entries.length - 1].id;
      this.lastSeen.set(stream.name, last);
      if (entries.length < PAGE) return;
      start = `(${last}`;
    }
  }

  /** How many letters of `name` are listed: undecodable entries are not, so they count as listed. */
  private mirrored(name: string): number {
    let count = this.unlisted.get(name) ?? 0;
    for (const id of this.letters.keys()) if (id.startsWith(`${name}/`)) count++;
    return count;
  }

  private toLetter(name: string, entry: RawEntry): DeadLetter | undefined {
    const fields = new Map<string, string>();
    const raw = entry.fields ?? [];
    for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i], raw[i + 1]);
    try {
      const event = decodeEvent({ 'event-type': fields.get('type') }, fields.get('body') ?? '');
      const error = JSON.parse(fields.get('error') ?? '{}') as DeadLetter['error'];
      return {
        id: `${name}/${entry.id}`,
        event,
        handler: fields.get('handler') ?? '*',
        error,
        attempts: Number(fields.get('attempts') ?? 0),
        failedAt: fields.get('failedAt') ?? new Date(Number(entry.id.split('-')[0])).toISOString(),
      };
    } catch {
      // An entry kept as it arrived (it was not an event): it stays in Redis for an operator, unlisted here.
      this.unlisted.set(name, (this.unlisted.get(name) ?? 0) + 1);
      return undefined;
    }
  }
}
