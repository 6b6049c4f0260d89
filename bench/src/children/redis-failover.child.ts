// One consumer process of the redis-failover scenario. argv: key prefix, service (its group), claimIdleMs,
// claimIntervalMs, handler time in ms. A bus on RedisStreamsTransport whose handler waits that long (I/O) and then reports
// { kind: 'handled', seq, at } (`at` on the machine's monotonic clock) at once, before the transport acks:
// what a crash cuts off is the ack, never a report of work done. Sends { kind: 'ready', consumer } once
// consuming; answers 'stop' by closing the transport and exiting.
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from '../redis/bench-event';
import { closeOurs, OrderPlaced, oursBus } from '../redis/ours-bus';
import { fail, onCommand, reply } from './ipc';

async function main(): Promise<void> {
  const [prefix, service, claimIdleMs, claimIntervalMs, handlerMs] = process.argv.slice(2);
  const ours = oursBus(prefix, service, {
    claimIdleMs: Number(claimIdleMs),
    claimIntervalMs: Number(claimIntervalMs),
  });
  ours.bus.on(OrderPlaced, async (event) => {
    await sleep(Number(handlerMs));
    reply({ kind: 'handled', seq: event.data.seq, at: monotonicMs() });
  });
  await ours.bus.connect();
  onCommand(async (message) => {
    if (message.kind !== 'stop') return;
    await closeOurs(ours);
    process.exit(0);
  });
  reply({ kind: 'ready', consumer: ours.transport.consumerName });
}

main().catch(fail);
