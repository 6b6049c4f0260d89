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

/** An app the candidate closes when the scenario ends. */
interface Closable {
  close(): Promise<void>;
}

/** A candidate that makes `operation(i)` n times in a row, inside one nestjs-cls context when given `context`. */
function repeated(
  app: Closable,
  operation: (i: number) => unknown,
  context?: { cls: ClsService; set: () => void },
): Candidate {
  const run = (n: number) => {
    for (let i = 0; i < n; i++) operation(i);
  };
  return {
    run:
      context === undefined
        ? run
        : (n) =>
            context.cls.run(() => {
              context.set();
              run(n);
            }),
    close: () => app.close(),
  };
}

/** A candidate that awaits each `operation(i)` before the next. */
function awaitedEach(app: Closable, operation: (i: number) => Promise<unknown>): Candidate {
  return {
    run: async (n) => {
      for (let i = 0; i < n; i++) await operation(i);
    },
    close: () => app.close(),
  };
}

const CANDIDATES: Readonly<Record<string, () => Promise<Candidate>>> = {
  async 'single/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('single');
    return repeated(ee.app, (i) => ee.emitter.emit(TYPE, payload(i)));
  },
  async 'single/ours-full'() {
    const ours = await createOursApp('single');
    return repeated(ours.app, (i) => ours.bus.emit(TYPE, payload(i)));
  },
  async 'single/ours-lean'() {
    const ours = await createOursApp('single', 'lean');
    return repeated(ours.app, (i) => ours.bus.emit(TYPE, payload(i)));
  },
  async 'single/@nestjs/cqrs'() {
    const cqrs = await createCqrsApp();
    return repeated(cqrs.app, (i) => cqrs.eventBus.publish(new UserCreatedEvent('user-1', i)));
  },
  async 'context/@nestjs/event-emitter + nestjs-cls'() {
    const ee = await createEventEmitterApp('context');
    return repeated(ee.app, (i) => ee.emitter.emit(TYPE, payload(i)), {
      cls: ee.cls,
      set: () => ee.cls.set(CORRELATION_KEY, CORRELATION_ID),
    });
  },
  async 'context/ours-full'() {
    const ours = await createOursApp('context');
    return repeated(ours.app, (i) => ours.bus.emit(TYPE, payload(i)), {
      cls: ours.cls,
      set: () => ours.context.setCorrelationId(CORRELATION_ID),
    });
  },
  async 'async/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('async');
    return awaitedEach(ee.app, (i) => ee.emitter.emitAsync(TYPE, payload(i)));
  },
  async 'async/ours-full'() {
    const ours = await createOursApp('async');
    return awaitedEach(ours.app, (i) => ours.bus.emitAsync(TYPE, payload(i)));
  },
  async 'fanout10/@nestjs/event-emitter'() {
    const ee = await createEventEmitterApp('fanout', { wildcard: true });
    return repeated(ee.app, (i) => ee.emitter.emit(TYPE, payload(i)));
  },
  async 'fanout10/ours-full'() {
    const ours = await createOursApp('fanout');
    return repeated(ours.app, (i) => ours.bus.emit(TYPE, payload(i)));
  },
};

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
