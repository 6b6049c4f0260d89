// One candidate of the emit-instructions scenario in a process of its own (run under callgrind): builds the
// candidate's app, runs its warm-up uncounted, says 'ready', then runs the counted operations when told to
// ('run'), while the scenario has callgrind's counting on. argv[2]: the candidate, argv[3]: warm-up operations.
import { ClsService } from 'nestjs-cls';
import { createCqrsApp, UserCreatedEvent } from '../fixtures/cqrs.app';
import { createEventEmitterApp, CORRELATION_KEY } from '../fixtures/event-emitter.app';
import { createOursApp } from '../fixtures/ours.app';
import { settle } from '../harness';
import { payload } from '../scenario';
import { fail, serve } from './ipc';

const TYPE = 'user.created';
const CORRELATION_ID = '0193f1a2-7c4e-7d10-8a3b-5e6f7a8b9c0d';
/** Operations per batch; the promise jobs a batch scheduled run before the next (as in the bench's slices). */
const BATCH = 500;

/** A candidate: `run(n)` makes n operations (resolving once they are done), `close()` ends its app. */
interface Candidate {
  run(n: number): void | Promise<unknown>;
  close(): Promise<void>;
}

/** Runs `run` inside one nestjs-cls context with a correlation id set, as a request would. */
function inContext(cls: ClsService, set: () => void, run: () => void): void {
  cls.run(() => {
    set();
    run();
  });
}

const CANDIDATES: Readonly<Record<string, () => Promise<Candidate>>> = {
  async 'single/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('single');
    return { run: (n) => repeat(n, (i) => ee.emitter.emit(TYPE, payload(i))), close: () => ee.app.close() };
  },
  async 'single/ours-full'() {
    const ours = await createOursApp('single');
    return { run: (n) => repeat(n, (i) => ours.bus.emit(TYPE, payload(i))), close: () => ours.app.close() };
  },
  async 'single/ours-lean'() {
    const ours = await createOursApp('single', 'lean');
    return { run: (n) => repeat(n, (i) => ours.bus.emit(TYPE, payload(i))), close: () => ours.app.close() };
  },
  async 'single/@nestjs/cqrs'() {
    const cqrs = await createCqrsApp();
    return {
      run: (n) => repeat(n, (i) => cqrs.eventBus.publish(new UserCreatedEvent('user-1', i))),
      close: () => cqrs.app.close(),
    };
  },
  async 'context/@nestjs/event-emitter + nestjs-cls'() {
    const ee = await createEventEmitterApp('context');
    const set = () => ee.cls.set(CORRELATION_KEY, CORRELATION_ID);
    return {
      run: (n) => inContext(ee.cls, set, () => repeat(n, (i) => ee.emitter.emit(TYPE, payload(i)))),
      close: () => ee.app.close(),
    };
  },
  async 'context/ours-full'() {
    const ours = await createOursApp('context');
    const set = () => ours.context.setCorrelationId(CORRELATION_ID);
    return {
      run: (n) => inContext(ours.cls, set, () => repeat(n, (i) => ours.bus.emit(TYPE, payload(i)))),
      close: () => ours.app.close(),
    };
  },
  async 'async/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('async');
    return {
      run: async (n) => {
        for (let i = 0; i < n; i++) await ee.emitter.emitAsync(TYPE, payload(i));
      },
      close: () => ee.app.close(),
    };
  },
  async 'async/ours-full'() {
    const ours = await createOursApp('async');
    return {
      run: async (n) => {
        for (let i = 0; i < n; i++) await ours.bus.emitAsync(TYPE, payload(i));
      },
      close: () => ours.app.close(),
    };
  },
  async 'fanout10/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('fanout', { wildcard: true });
    return { run: (n) => repeat(n, (i) => ee.emitter.emit(TYPE, payload(i))), close: () => ee.app.close() };
  },
  async 'fanout10/ours-full'() {
    const ours = await createOursApp('fanout');
    return { run: (n) => repeat(n, (i) => ours.bus.emit(TYPE, payload(i))), close: () => ours.app.close() };
  },
};

function repeat(n: number, operation: (i: number) => unknown): void {
  for (let i = 0; i < n; i++) operation(i);
}

/** `count` operations in batches, each batch's promise jobs run before the next. */
async function operate(candidate: Candidate, count: number): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    await candidate.run(Math.min(BATCH, count - done));
    await settle();
  }
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const warmup = Number(process.argv[3]);
  const make = CANDIDATES[name];
  if (make === undefined) throw new Error(`Unknown candidate "${name}".`);
  const candidate = await make();
  await operate(candidate, warmup);
  serve(
    {
      run: async (_rate, count) => {
        const started = Date.now();
        await operate(candidate, count);
        return Date.now() - started;
      },
      close: () => candidate.close(),
    },
    () => [],
  );
}

main().catch(fail);
