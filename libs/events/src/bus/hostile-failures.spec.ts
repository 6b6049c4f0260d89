import { Logger } from '@nestjs/common';
import { runInThisContext } from 'node:vm';
import type { BusEvent } from '../event/bus-event.interface';
import { EventBusService } from './event-bus.service';
import { HandlerFailed } from './system-events';

// Finding C7b of the reliability report: thrown values that throw when read must become dead letters, never
// escape from emit(), reject emitAsync() or leave an unhandled rejection.

const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => {
  realProcess.on('unhandledRejection', onUnhandled);
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterAll(() => {
  realProcess.off('unhandledRejection', onUnhandled);
  jest.restoreAllMocks();
});
afterEach(async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

/** The hostile values: each throws as soon as anyone reads it. */
function hostileValues(): [string, () => unknown][] {
  return [
    [
      'a revoked proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      'a proxy whose every trap throws',
      () =>
        new Proxy(new Error('hidden'), {
          get: () => {
            throw new Error('get trap');
          },
          getPrototypeOf: () => {
            throw new Error('prototype trap');
          },
        }),
    ],
    [
      'an Error whose message getter throws',
      () => {
        const error = new Error('x');
        Object.defineProperty(error, 'message', {
          get: () => {
            throw new Error('message getter');
          },
        });
        return error;
      },
    ],
    [
      'an Error whose stack getter throws',
      () => {
        const error = new Error('readable message');
        Object.defineProperty(error, 'stack', {
          get: () => {
            throw new Error('stack getter');
          },
        });
        return error;
      },
    ],
    ['null', () => null],
  ];
}

describe.each(hostileValues())('a handler that throws %s', (_name, make) => {
  let bus: EventBusService;
  let failures: BusEvent[];

  beforeEach(() => {
    bus = new EventBusService();
    failures = [];
    bus.on(HandlerFailed, (event) => void failures.push(event));
  });
  afterEach(() => bus.drain(2000));

  function expectOneDeadLetter(): void {
    const letters = bus.deadLetters();
    expect(letters).toHaveLength(1);
    const { error } = letters[0];
    expect(typeof error.name).toBe('string');
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(failures).toHaveLength(1);
    expect(failures[0].data).toMatchObject({ handler: 'hostile', error: error.message });
  }

  it('synchronously: emit() returns, and a dead letter with a fallback message is kept', () => {
    bus.on(
      'a.b',
      () => {
        throw make();
      },
      { name: 'hostile' },
    );
    const after = jest.fn();
    bus.on('a.b', after);
    expect(() => bus.emit('a.b')).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expectOneDeadLetter();
  });

  it('synchronously under emitAsync(): resolves with the failure listed', async () => {
    bus.on(
      'a.b',
      () => {
        throw make();
      },
      { name: 'hostile' },
    );
    const result = await bus.emitAsync('a.b');
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].error).toBeInstanceOf(Error);
    expectOneDeadLetter();
  });

  it('asynchronously: no unhandled rejection, emitAsync() settles, a dead letter is kept', async () => {
    bus.on(
      'a.b',
      async () => {
        await Promise.resolve();
        throw make();
      },
      { name: 'hostile' },
    );
    bus.emit('a.b');
    await bus.drain(2000);
    expectOneDeadLetter();
    bus.deadLetters().forEach((letter) => bus.replayDeadLetter(letter.id).catch(() => undefined));
    await bus.drain(2000);
  });

  it('through a thenable that rejects with it', async () => {
    bus.on('a.b', () => ({ then: (_ok: unknown, fail: (e: unknown) => void) => fail(make()) }), {
      name: 'hostile',
    });
    const result = await bus.emitAsync('a.b');
    expect(result.failed).toHaveLength(1);
    expectOneDeadLetter();
  });
});

describe('a handler failure whose recording fails', () => {
  it('never reaches the emitter when the dead-letter store throws', async () => {
    const bus = new EventBusService(undefined, undefined, undefined, undefined, {
      add: () => {
        throw new Error('store down');
      },
      get: () => undefined,
      remove: () => undefined,
      list: () => [],
      total: 0,
    });
    bus.on('a.b', () => {
      throw new Error('boom');
    });
    expect(() => bus.emit('a.b')).not.toThrow();
    await expect(bus.emitAsync('a.b')).resolves.toMatchObject({ handled: 1 });
  });
});
