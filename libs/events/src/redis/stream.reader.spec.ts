import type { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { EntryDispatcher } from './entry.dispatcher';
import { InHandEntries } from './in-hand';
import { streamKeys } from './redis.keys';
import type { RawEntry } from './stream.entry';
import { StreamReader } from './stream.reader';
import type { Source } from './stream.settler';

const quiet: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A reader over one channel (its event stream and its empty retry stream) whose Redis is faked: the event
 * stream holds `events` entries, and an XREADGROUP that finds nothing waits out its BLOCK. Deliveries settle one
 * by one, a tick apart, so the free slots pass through every count.
 */
function setUp(capacity: number, events: number) {
  const keys = streamKeys('t', 'main', 'svc');
  const sources: Source[] = [
    { key: keys.stream, keys, retry: false },
    { key: keys.retries, keys, retry: true },
  ];
  const inHand = new InHandEntries(capacity);
  let next = 0;
  const reads: { keys: string[]; count: number }[] = [];
  const call = jest.fn(async (...args: (string | number)[]) => {
    const streams = args.slice(args.indexOf('STREAMS') + 1);
    const named = streams.slice(0, streams.length / 2) as string[];
    const count = Number(args[args.indexOf('COUNT') + 1]);
    reads.push({ keys: named, count });
    if (!named.includes(keys.stream) || next >= events) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return null;
    }
    const entries: [string, string[]][] = [];
    for (let i = 0; i < count && next < events; i++) entries.push([`${++next}-0`, ['type', 'a.b']]);
    return [[keys.stream, entries]];
  });
  let delay = 0;
  const dispatched: string[] = [];
  const dispatcher = {
    dispatch: async (source: Source, entries: readonly RawEntry[]) => {
      for (const entry of entries) {
        inHand.add(source.key, entry.id);
        dispatched.push(entry.id);
        setTimeout(() => inHand.remove(source.key, entry.id), ++delay % 7);
      }
    },
  } as unknown as EntryDispatcher;
  const reader = new StreamReader({
    reader: { call, disconnect: jest.fn() } as unknown as Redis,
    group: 'svc',
    consumer: 'c-1',
    sources,
    inHand,
    dispatcher,
    blockMs: 20,
    shared: false,
    logger: quiet,
    recreateGroups: async () => undefined,
  });
  return { reader, reads, dispatched, keys };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('StreamReader', () => {
  it('names every stream in every read, so a read never blocks on the empty retry stream alone', async () => {
    const { reader, reads, dispatched, keys } = setUp(4, 200);
    reader.start();
    await until(() => dispatched.length === 200);
    await reader.stop();
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) {
      expect(read.keys).toEqual([keys.stream, keys.retries]);
      expect(read.count * read.keys.length).toBeLessThanOrEqual(4);
    }
  });
});
