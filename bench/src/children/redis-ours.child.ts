// A process of ours in the redis-latency and redis-memory scenarios. argv: role (publisher, consumer), key
// prefix, and optionally `history-off` (the bus without history). The publisher is a bus on
// RedisStreamsTransport: it answers { kind: 'run', rate, count } with 'ran' once it emitted `count` events at
// `rate` per second (what is due on each timer tick), each stamped with the machine's monotonic clock, and
// drain() saw them acknowledged by Redis. The consumer is a bus on the transport at its defaults with one
// handler (`bus.on`) that records the time from the stamp; it answers 'collect' with 'samples' (and starts a
// new list). Both answer 'stop' by closing the transport and exiting.
import { monotonicMs, orderPayload } from '../redis/bench-event';
import { closeOurs, OrderPlaced, oursBus } from '../redis/ours-bus';
import { pace } from '../redis/pacer';
import { fail, serve, type RoleProcess } from './ipc';

const SOURCE = 'bench-latency';
const GROUP = 'bench-latency-consumer';

const samples: number[] = [];
const bus = process.argv[4] === 'history-off' ? { history: false as const } : {};

async function publisher(prefix: string): Promise<RoleProcess> {
  const ours = oursBus(prefix, SOURCE, {}, bus);
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

async function consumer(prefix: string): Promise<RoleProcess> {
  const ours = oursBus(prefix, GROUP, {}, bus);
  ours.bus.on(OrderPlaced, (event) => void samples.push(monotonicMs() - event.data.sentAt));
  await ours.bus.connect();
  return { close: () => closeOurs(ours) };
}

async function main(): Promise<void> {
  const [role, prefix] = process.argv.slice(2);
  const made =
    role === 'publisher'
      ? await publisher(prefix)
      : role === 'consumer'
        ? await consumer(prefix)
        : fail(new Error(`Unknown role "${role}".`));
  serve(made, () => samples.splice(0));
}

main().catch(fail);
