// One process of the redis-latency and redis-memory scenarios. argv: role (raw-publisher, raw-consumer,
// ours-publisher, ours-consumer), key prefix. Publishers answer { kind: 'run', rate, count } with 'ran' once
// they sent `count` events at `rate` per second, each stamped with the machine's monotonic clock; consumers
// record, per event, the time from that stamp to their handling of it, and answer 'collect' with 'samples'
// (and start a new list). Every process answers 'stop' by closing its connections and exiting.
import { monotonicMs, ORDER_TYPE, OrderPlaced, orderPayload, payloadOf, rawBody } from '../redis/bench-event';
import type { ChildMessage } from '../redis/child-handle';
import { closeOurs, oursBus, type OursBus } from '../redis/ours-bus';
import { pace } from '../redis/pacer';
import { rawClient } from '../redis/shared-redis';
import { fail, onCommand, reply } from './ipc';

const SOURCE = 'bench-latency';
const GROUP = 'bench-latency-consumer';

type Role = 'raw-publisher' | 'raw-consumer' | 'ours-publisher' | 'ours-consumer';

/** What a role does: its setup, its answer to 'run' (publishers), and its teardown. */
interface Process {
  run?(rate: number, count: number): Promise<number>;
  close(): Promise<void>;
}

let samples: number[] = [];
const record = (sentAt: number): void => void samples.push(monotonicMs() - sentAt);

function rawPublisher(key: string): Process {
  const client = rawClient();
  let seq = 0;
  return {
    run: (rate, count) =>
      pace(rate, count, (_, n) => {
        const pipeline = client.pipeline();
        for (let i = 0; i < n; i++) {
          const body = rawBody(orderPayload(seq++, monotonicMs()), SOURCE);
          pipeline.xadd(key, '*', 'type', ORDER_TYPE, 'body', body);
        }
        pipeline.exec().catch(fail);
      }),
    close: async () => void (await client.quit()),
  };
}

async function rawConsumer(key: string): Promise<Process> {
  const reader = rawClient();
  const commands = rawClient();
  await commands.xgroup('CREATE', key, GROUP, '$', 'MKSTREAM');
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const reply = (await reader.xreadgroup(
        'GROUP',
        GROUP,
        'raw-consumer',
        'COUNT',
        32,
        'BLOCK',
        200,
        'STREAMS',
        key,
        '>',
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        record(payloadOf(fields[fields.indexOf('body') + 1]).sentAt);
        ids.push(id);
      }
      if (ids.length > 0) await commands.xack(key, GROUP, ...ids);
    }
  })();
  return {
    close: async () => {
      stopping = true;
      await loop;
      await Promise.all([reader.quit(), commands.quit()]);
    },
  };
}

async function oursPublisher(prefix: string): Promise<Process> {
  const ours = oursBus(prefix, SOURCE);
  await ours.transport.publish([]);
  let seq = 0;
  return {
    run: async (rate, count) => {
      const elapsed = await pace(rate, count, (_, n) => {
        for (let i = 0; i < n; i++) ours.bus.emit(OrderPlaced, orderPayload(seq++, monotonicMs()));
      });
      await ours.bus.drain();
      return elapsed;
    },
    close: () => closeOurs(ours),
  };
}

async function oursConsumer(prefix: string): Promise<Process> {
  const ours: OursBus = oursBus(prefix, GROUP);
  ours.bus.on(OrderPlaced, (event) => record(event.data.sentAt));
  await ours.bus.connect();
  return { close: () => closeOurs(ours) };
}

async function main(): Promise<void> {
  const [role, prefix] = process.argv.slice(2) as [Role, string];
  const rawKey = `${prefix}:raw`;
  const made: Process =
    role === 'raw-publisher'
      ? rawPublisher(rawKey)
      : role === 'raw-consumer'
        ? await rawConsumer(rawKey)
        : role === 'ours-publisher'
          ? await oursPublisher(prefix)
          : role === 'ours-consumer'
            ? await oursConsumer(prefix)
            : fail(new Error(`Unknown role "${role}".`));
  onCommand(async (message: ChildMessage) => {
    if (message.kind === 'run') {
      const elapsedMs = await made.run!(Number(message.rate), Number(message.count));
      reply({ kind: 'ran', elapsedMs });
    } else if (message.kind === 'collect') {
      reply({ kind: 'samples', values: samples });
      samples = [];
    } else if (message.kind === 'stop') {
      await made.close();
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
}

main().catch(fail);
