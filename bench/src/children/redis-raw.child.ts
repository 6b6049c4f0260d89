// A hand-written Redis client process, the anchor of the redis-latency scenario; it never loads the bus.
// argv: role (publisher, consumer), key prefix. The publisher answers { kind: 'run', rate, count } with 'ran'
// once it sent `count` events at `rate` per second, each stamped with the machine's monotonic clock, the events
// due on each timer tick XADDed in one pipeline. The consumer reads with XREADGROUP COUNT 32 BLOCK, parses each
// body, records the time from the stamp, and acknowledges the batch before reading again; it answers 'collect'
// with 'samples' (and starts a new list). Both answer 'stop' by closing their connections and exiting.
import { monotonicMs, ORDER_TYPE, orderPayload, payloadOf, rawBody } from '../redis/bench-event';
import { pace } from '../redis/pacer';
import { rawClient } from '../redis/shared-redis';
import { fail, serve, type RoleProcess } from './ipc';

const SOURCE = 'bench-latency';
const GROUP = 'bench-latency-consumer';

const samples: number[] = [];

function publisher(key: string): RoleProcess {
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

async function consumer(key: string): Promise<RoleProcess> {
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
        samples.push(monotonicMs() - payloadOf(fields[fields.indexOf('body') + 1]).sentAt);
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

async function main(): Promise<void> {
  const [role, prefix] = process.argv.slice(2);
  const key = `${prefix}:raw`;
  const made =
    role === 'publisher'
      ? publisher(key)
      : role === 'consumer'
        ? await consumer(key)
        : fail(new Error(`Unknown role "${role}".`));
  serve(made, () => samples.splice(0));
}

main().catch(fail);
