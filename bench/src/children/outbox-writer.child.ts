// The writer of the outbox latency scenario. argv: the database as JSON (see LatencyDatabase). A Nest app that
// commits one order per transaction through TypeORM, its event written to the outbox in the transaction; it has
// no relay. Answers { kind: 'run', rate, count } with 'ran' and `commits`: [event id, monotonic ms once the commit
// returned] per transaction, sent at `rate` per second; 'stop' closes the app and exits.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import { BenchOrders, writerModule, type LatencyDatabase } from '../outbox/latency-apps';
import { monotonicMs } from '../redis/bench-event';
import { fail, onCommand, reply } from './ipc';

async function main(): Promise<void> {
  const database = JSON.parse(process.argv[2]) as LatencyDatabase;
  const app = await NestFactory.createApplicationContext(writerModule(database), {
    logger: ['error', 'warn'],
  });
  const orders = app.get(BenchOrders);
  let seq = 0;
  onCommand(async (message) => {
    if (message.kind === 'run') {
      const commits: [string, number][] = [];
      const gapMs = 1000 / Number(message.rate);
      const started = performance.now();
      for (let i = 0; i < Number(message.count); i++) {
        const id = await orders.place(seq++);
        commits.push([id, monotonicMs()]);
        // A steady rate: each transaction starts at its slot (no catching up in bursts after a slow one).
        const wait = started + (i + 1) * gapMs - performance.now();
        if (wait > 0) await sleep(wait);
      }
      reply({ kind: 'ran', commits });
    } else if (message.kind === 'stop') {
      await app.close();
      process.exit(0);
    }
  });
  reply({ kind: 'ready' });
}

main().catch(fail);
