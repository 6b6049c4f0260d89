// The consumer process of the redis-memory scenario. argv: key prefix, service, handler time in ms, maxInFlight.
// A bus on RedisStreamsTransport at its defaults (maxInFlight given explicitly) whose handler waits that long (I/O). It counts the handlers running at
// once (the most ever seen is the in-flight figure) and samples its RSS, heap and the transport's inFlight every
// 100 ms. Commands: 'mark' (the RSS baseline is taken now: the median of the next 5 samples), 'report' (what was
// seen since the mark), 'handled' (how many events so far), 'stop'.
import { setTimeout as sleep } from 'node:timers/promises';
import { closeOurs, OrderPlaced, oursBus } from '../redis/ours-bus';
import { fail, onCommand, reply } from './ipc';

const SAMPLE_MS = 100;

async function main(): Promise<void> {
  const [prefix, service, handlerMs, maxInFlight] = process.argv.slice(2);
  const ours = oursBus(prefix, service, { maxInFlight: Number(maxInFlight) });
  let handled = 0;
  let running = 0;
  let mostRunning = 0;
  ours.bus.on(OrderPlaced, async () => {
    mostRunning = Math.max(mostRunning, ++running);
    await sleep(Number(handlerMs));
    running--;
    handled++;
  });
  await ours.bus.connect();

  let rss: number[] = [];
  let heap: number[] = [];
  let mostInFlight = 0;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    rss.push(memory.rss);
    heap.push(memory.heapUsed);
    ours.transport.stats().then(
      (stats) => (mostInFlight = Math.max(mostInFlight, stats.inFlight)),
      () => undefined,
    );
  }, SAMPLE_MS);

  onCommand(async (message) => {
    if (message.kind === 'mark') {
      rss = [];
      heap = [];
      mostRunning = running;
      mostInFlight = 0;
      await sleep(5 * SAMPLE_MS + SAMPLE_MS / 2);
      reply({ kind: 'marked', baseline: [...rss].sort((a, b) => a - b)[rss.length >> 1] });
    } else if (message.kind === 'report') {
      const stats = await ours.transport.stats();
      reply({ kind: 'report', rss, heap, mostRunning, mostInFlight, handled, lag: stats.lag });
    } else if (message.kind === 'handled') {
      reply({ kind: 'handled', handled });
    } else if (message.kind === 'stop') {
      clearInterval(sampler);
      await closeOurs(ours);
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
}

main().catch(fail);
