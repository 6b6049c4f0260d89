// Heap growth after N emits with history at its defaults. Run with --expose-gc; argv[2] is N. Sends
// { before, after, ... } to the parent.
import { createOursApp } from '../fixtures/ours.app';
import { settle } from '../harness';
import { payload } from '../scenario';
import { heapAfterGc } from './heap';

async function main(): Promise<void> {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count <= 0) throw new Error(`Bad emit count "${process.argv[2]}".`);
  const app = await createOursApp('single');
  // A few emits first so the route, the listener and the JIT are in place before the baseline is taken.
  for (let i = 0; i < 100; i++) app.bus.emit('user.created', payload(i));
  await settle();
  const before = heapAfterGc();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) app.bus.emit('user.created', payload(i));
  const elapsedNs = Number(process.hrtime.bigint() - started);
  await settle();
  const after = heapAfterGc();
  app.sink.expect(count + 100, 'memory');
  const history = app.bus.stats().history;
  await app.app.close();
  process.send!({ before, after, count, nsPerEmit: elapsedNs / count, history });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
