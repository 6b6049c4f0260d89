import { Logger } from '@nestjs/common';
import { runInThisContext } from 'node:vm';
import { z } from 'zod';
import { EventContext } from '../context/event-context';
import { EventTimeoutError } from '../errors/event-timeout.error';
import { EventValidationError } from '../errors/event-validation.error';
import { EventsConfigError } from '../errors/events-config.error';
import { UnknownEventTypeError } from '../errors/unknown-event-type.error';
import type { BusEvent } from '../event/bus-event.interface';
import { defineEvent } from '../event/event-definition';
import { timestampOfId } from '../event/event-id.generator';
import { EventPriority } from '../listeners/event-priority';
import type { EventsModuleOptions } from '../module/events-module.options';
import { EventBusService } from './event-bus.service';
import { HandlerFailed } from './system-events';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Lets pending I/O callbacks, timers at 0 and every queued microtask run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class Point {
  constructor(readonly x: number) {}
}

const buses: EventBusService[] = [];
/** A bus without Nest, as a unit would use it. */
function newBus(options: EventsModuleOptions = {}): EventBusService {
  const bus = new EventBusService(options);
  buses.push(bus);
  return bus;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, nothing was thrown');
}

// Every test in this file also proves that nothing the bus does leaves an unhandled rejection behind. Jest gives
// each test file a copy of `process` whose listeners Node never calls, so listen on the real one.
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => {
  realProcess.on('unhandledRejection', onUnhandled);
  // The bus logs every handler failure; these tests provoke many on purpose.
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterAll(() => {
  realProcess.off('unhandledRejection', onUnhandled);
  jest.restoreAllMocks();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.drain(2000).catch(() => bus.cancelPendingRetries())));
  await flush();
  expect(unhandled).toEqual([]);
});

describe('the unhandledRejection guard itself', () => {
  it('listens on the process object Node reports to', () => {
    expect(realProcess.listeners('unhandledRejection')).toContain(onUnhandled);
    expect(typeof realProcess.pid).toBe('number');
  });
});

describe('EventBusService: the event', () => {
  it('has every BusEvent field, with defaults outside any context', () => {
    const bus = newBus({ source: 'orders-api' });
    const before = Date.now();
    const event = bus.emit('order.placed', { id: 'o1' });
    expect(Object.keys(event).sort()).toEqual(
      [
        'correlationId',
        'data',
        'id',
        'metadata',
        'severity',
        'source',
        'timestamp',
        'type',
        'version',
      ].sort(),
    );
    expect(event.id).toMatch(UUID_V7);
    expect(event.type).toBe('order.placed');
    expect(event.version).toBe(1);
    expect(event.data).toStrictEqual({ id: 'o1' });
    expect(event.timestamp).toMatch(ISO_UTC_MS);
    expect(Date.parse(event.timestamp)).toBe(timestampOfId(event.id));
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(before);
    expect(event.correlationId).toBe(event.id);
    expect(event.source).toBe('orders-api');
    expect(event.severity).toBe('info');
    expect(event.metadata).toStrictEqual({});
    expect(event).not.toHaveProperty('causationId');
    expect(event).not.toHaveProperty('actorId');
  });

  it('takes version and severity from the definition, and every emit option', () => {
    const bus = newBus();
    const Moved = defineEvent<{ to: string }>('stock.moved', { version: 4, severity: 'warning' });
    const plain = bus.emit(Moved, { to: 'b' });
    expect(plain).toMatchObject({ version: 4, severity: 'warning', source: 'app' });
    const custom = bus.emit(
      Moved,
      { to: 'c' },
      {
        correlationId: 'req-1',
        causationId: 'evt-0',
        actorId: 'user-9',
        severity: 'critical',
        metadata: { tenant: 't1' },
        source: 'importer',
      },
    );
    expect(custom).toMatchObject({
      correlationId: 'req-1',
      causationId: 'evt-0',
      actorId: 'user-9',
      severity: 'critical',
      metadata: { tenant: 't1' },
      source: 'importer',
    });
  });

  it('emits with no payload as data null', () => {
    expect(newBus().emit('system.tick').data).toBeNull();
  });

  it('is deep-frozen (data and metadata too) while the caller object stays unfrozen and unchanged', () => {
    const bus = newBus();
    const payload = { user: { id: 'u1', roles: ['admin'] } };
    const metadata = { trace: { span: 's1' } };
    let received: BusEvent<typeof payload> | undefined;
    bus.on<typeof payload>('user.created', (event) => void (received = event));
    const event = bus.emit('user.created', payload, { metadata });
    expect(received).toBe(event);
    for (const part of [
      event,
      event.data,
      event.data.user,
      event.data.user.roles,
      event.metadata,
      event.metadata.trace,
    ]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (event.data.user as { id: string }).id = 'hacked';
    }).toThrow(TypeError);
    expect(() => (event.data.user.roles as string[]).push('root')).toThrow(TypeError);
    expect(Object.isFrozen(payload)).toBe(false);
    expect(Object.isFrozen(payload.user.roles)).toBe(false);
    expect(Object.isFrozen(metadata.trace)).toBe(false);
    payload.user.id = 'changed later';
    expect(event.data.user.id).toBe('u1');
  });

  it('gives strictly increasing ids to 10,000 quick emits', () => {
    const bus = newBus({ history: false });
    let previous = '';
    let outOfOrder = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = bus.emit('tick.tock', i).id;
      if (!(id > previous)) outOfOrder++;
      previous = id;
    }
    expect(outOfOrder).toBe(0);
  });

  it.each([
    [
      'a cycle',
      () => {
        const a: Record<string, unknown> = {};
        a.me = a;
        return a;
      },
      'me',
    ],
    ['a function', () => ({ run: () => 1 }), 'run'],
    ['a bigint', () => ({ amount: 1n }), 'amount'],
    ['NaN', () => ({ score: NaN }), 'score'],
    ['a Date', () => ({ at: new Date() }), 'at'],
    ['a class instance', () => ({ where: new Point(1) }), 'where'],
  ])(
    'rejects a payload with %s with EventValidationError before dispatching or recording',
    (_label, make, path) => {
      const bus = newBus();
      const handler = jest.fn();
      bus.on('**', handler);
      const error = thrown(() => bus.emit('bad.payload', make()));
      expect(error).toBeInstanceOf(EventValidationError);
      expect((error as EventValidationError).issues.map((i) => i.path)).toEqual([path]);
      expect((error as EventValidationError).eventType).toBe('bad.payload');
      expect(handler).not.toHaveBeenCalled();
      expect(bus.history()).toEqual([]);
      expect(bus.stats().emitted).toBe(0);
    },
  );

  it('rejects non-JSON metadata the same way', () => {
    const bus = newBus();
    const error = thrown(() => bus.emit('a.b', {}, { metadata: { when: new Date() } }));
    expect((error as EventValidationError).issues[0].path).toBe('metadata.when');
    expect(bus.history()).toEqual([]);
  });

  it.each([
    [{ correlationId: '' }, 'correlationId'],
    [{ severity: 'fatal' as never }, 'severity'],
    [{ source: 'x'.repeat(201) }, 'source'],
  ])('rejects the emit option %j naming it', (options, path) => {
    const bus = newBus();
    const handler = jest.fn();
    bus.on('a.b', handler);
    const error = thrown(() => bus.emit('a.b', {}, options));
    expect((error as EventValidationError).issues[0].path).toBe(path);
    expect(handler).not.toHaveBeenCalled();
    expect(bus.history()).toEqual([]);
  });

  it('keeps __proto__ and constructor payload keys as data; Object.prototype stays clean', () => {
    const bus = newBus();
    const hostile = JSON.parse(
      '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}}',
    );
    const event = bus.emit<Record<string, unknown>>('user.updated', hostile);
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
    expect(Object.keys(event.data)).toEqual(['__proto__', 'constructor']);
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect((event.data as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });

  it('reports a payload getter that throws as a bad payload, also for a type whose payload shape is known', () => {
    const bus = newBus();
    const handler = jest.fn();
    bus.on('user.seen', handler);
    bus.emit('user.seen', { userId: 'u1', seq: 1 });
    // The same keys in the same order as the first payload, the first one read through a throwing getter.
    const hostile = { userId: '', seq: 2 };
    Object.defineProperty(hostile, 'userId', {
      enumerable: true,
      get: () => {
        throw new Error('getter failed');
      },
    });
    const error = thrown(() => bus.emit('user.seen', hostile));
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as Error).message).toMatch(/getter failed/);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it.each([['User.Created'], ['user created'], ['user.*'], ['']])(
    'rejects the event type %j with a clear error',
    (type) => {
      const error = thrown(() => newBus().emit(type, {}));
      expect(error).toBeInstanceOf(EventValidationError);
      expect((error as Error).message).toMatch(/lowercase dotted segments/);
    },
  );

  it('rejects an emit target that is neither a type nor a definition', () => {
    expect(() => newBus().emit(42 as never, {})).toThrow(/event type string or a definition/);
  });

  it('rejects a malformed listener pattern', () => {
    expect(() => newBus().on('User.*', () => undefined)).toThrow(/not a valid pattern/);
  });
});

describe('EventBusService: schemas', () => {
  const UserCreated = defineEvent('user.created', {
    schema: z.object({
      email: z.email(),
      name: z.string().transform((name) => name.trim()),
      plan: z.enum(['free', 'pro']).default('free'),
    }),
  });

  it('rejects a payload failing the schema; nothing is dispatched or recorded', async () => {
    const bus = newBus();
    const handler = jest.fn();
    bus.on(UserCreated, handler);
    bus.on('**', handler);
    const error = thrown(() => bus.emit(UserCreated, { email: 'nope', name: 'A' }));
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).issues.map((i) => i.path)).toEqual(['email']);
    expect((error as Error).message).toMatch(/user\.created/);
    await expect(bus.emitAsync(UserCreated, { email: 'a@b.co', name: 3 } as never)).rejects.toBeInstanceOf(
      EventValidationError,
    );
    expect(handler).not.toHaveBeenCalled();
    expect(bus.history()).toEqual([]);
    expect(bus.stats()).toMatchObject({ emitted: 0, byType: {} });
  });

  it("uses the schema's output (defaults, transforms) as event.data", async () => {
    const bus = newBus();
    const event = bus.emit(UserCreated, { email: 'a@b.co', name: '  Ada  ' });
    expect(event.data).toStrictEqual({ email: 'a@b.co', name: 'Ada', plan: 'free' });
    expect(Object.isFrozen(event.data)).toBe(true);
    const { event: viaAsync } = await bus.emitAsync(UserCreated, {
      email: 'b@b.co',
      name: 'Bo',
      plan: 'pro',
    });
    expect(viaAsync.data).toStrictEqual({ email: 'b@b.co', name: 'Bo', plan: 'pro' });
  });

  it('validates string emits of a type whose definition the bus knows', () => {
    const bus = newBus({ definitions: [UserCreated] });
    expect(() => bus.emit('user.created', { email: 'nope' })).toThrow(EventValidationError);
    expect(bus.emit('user.created', { email: 'a@b.co', name: 'x' }).data).toMatchObject({ plan: 'free' });
  });

  it('validates string emits against the declared definition, whatever versions were emitted before', async () => {
    const bus = newBus();
    const V1 = defineEvent('user.renamed', { schema: z.object({ id: z.string() }).strict() });
    const V2 = defineEvent('user.renamed', {
      version: 2,
      schema: z.object({ id: z.string(), name: z.string() }).strict(),
    });
    bus.register(V1);
    expect(bus.emit(V2, { id: 'u1', name: 'Ann' }).version).toBe(2);
    expect(bus.emit('user.renamed', { id: 'u1' }).version).toBe(1);
    expect(() => bus.emit('user.renamed', { id: 'u1', name: 'Ann' })).toThrow(EventValidationError);
    expect((await bus.emitAsync(V2, { id: 'u1', name: 'Bo' })).event.version).toBe(2);
    expect((await bus.emitAsync('user.renamed', { id: 'u1' })).event.version).toBe(1);
    expect(bus.emit(V1, { id: 'u2' }).version).toBe(1);
  });

  it('explains that an async schema needs emitAsync(), and emitAsync() validates it', async () => {
    const Async = defineEvent('user.checked', {
      schema: z.object({ id: z.string() }).refine(async (value) => value.id !== 'taken', 'id is taken'),
    });
    const bus = newBus();
    const handler = jest.fn();
    bus.on(Async, handler);
    const error = thrown(() => bus.emit(Async, { id: 'u1' }));
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as Error).message).toMatch(/emitAsync\(\)/);
    expect(handler).not.toHaveBeenCalled();

    const result = await bus.emitAsync(Async, { id: 'u1' });
    expect(result.event.data).toStrictEqual({ id: 'u1' });
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(bus.emitAsync(Async, { id: 'taken' })).rejects.toThrow(/id is taken/);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('rejects, in strict mode, types that no definition declares', () => {
    const bus = newBus({ strict: true, definitions: [UserCreated] });
    expect(() => bus.emit('user.unknown', {})).toThrow(UnknownEventTypeError);
    expect(() => bus.on('user.unknown', () => undefined)).toThrow(UnknownEventTypeError);
    expect(() => bus.on('user.*', () => undefined)).not.toThrow();
    expect(bus.emit(UserCreated, { email: 'a@b.co', name: 'x' }).type).toBe('user.created');
    expect(bus.emit(defineEvent('learned.type'), undefined).type).toBe('learned.type');
  });
});

describe('EventBusService: delivery order and patterns', () => {
  it('runs higher priority first and keeps registration order for ties, exact and wildcard alike', () => {
    const bus = newBus();
    const calls: string[] = [];
    const on = (name: string, pattern: string, priority?: number) =>
      bus.on(pattern, () => void calls.push(name), { priority });
    on('normal-1', 'race.finished');
    on('low', 'race.*', EventPriority.LOW);
    on('high-1', '**', EventPriority.HIGH);
    on('normal-2', 'race.*');
    on('critical', 'race.finished', EventPriority.CRITICAL);
    on('high-2', 'race.finished', EventPriority.HIGH);
    on('normal-3', 'race.finished', 0);
    on('custom-7', 'race.**', 7);
    bus.emit('race.finished');
    expect(calls).toEqual([
      'critical',
      'high-1',
      'high-2',
      'custom-7',
      'normal-1',
      'normal-2',
      'normal-3',
      'low',
    ]);
  });

  it.each([
    ['user.*', ['user.created', 'user.deleted'], ['user', 'user.profile.updated', 'org.created']],
    ['**', ['user', 'user.created', 'a.b.c.d'], []],
    [
      'tournament.**',
      ['tournament', 'tournament.created', 'tournament.race.submitted'],
      ['tournaments.x', 'user.x'],
    ],
    ['*.created', ['user.created', 'org.created'], ['user.profile.created', 'created']],
  ])('delivers %s to matching types only', (pattern, matching, other) => {
    const bus = newBus();
    const got: string[] = [];
    bus.on(pattern, (event) => void got.push(event.type));
    for (const type of [...matching, ...other]) bus.emit(type);
    expect(got).toEqual(matching);
  });

  it('picks up handlers added and removed between emits of an already-resolved type', () => {
    const bus = newBus();
    const got: string[] = [];
    bus.emit('user.created');
    const late = bus.on('user.*', () => void got.push('wildcard'));
    bus.emit('user.created');
    late.unsubscribe();
    bus.emit('user.created');
    const exact = bus.on('user.created', () => void got.push('exact'));
    bus.emit('user.created');
    exact.unsubscribe();
    bus.emit('user.created');
    expect(got).toEqual(['wildcard', 'exact']);
  });

  it('skips a later handler that an earlier one unsubscribes during the same dispatch', () => {
    const bus = newBus();
    const calls: string[] = [];
    bus.on('a.b', () => {
      calls.push('first');
      later.unsubscribe();
    });
    const later = bus.on('a.b', () => void calls.push('later'));
    bus.emit('a.b');
    bus.emit('a.b');
    expect(calls).toEqual(['first', 'first']);
    expect(later.active).toBe(false);
  });

  it('does the same for emitAsync(), across tiers', async () => {
    const bus = newBus();
    const calls: string[] = [];
    bus.on(
      'a.b',
      async () => {
        calls.push('high');
        later.unsubscribe();
      },
      { priority: EventPriority.HIGH },
    );
    const later = bus.on('a.b', () => void calls.push('later'));
    const result = await bus.emitAsync('a.b');
    expect(calls).toEqual(['high']);
    expect(result.handled).toBe(1);
  });

  it('gives a handler subscribed during a dispatch the next event, not the current one', () => {
    const bus = newBus();
    const newcomer = jest.fn();
    let subscribed = false;
    bus.on('a.*', () => {
      if (!subscribed) {
        subscribed = true;
        bus.on('a.b', newcomer);
      }
    });
    const first = bus.emit('a.b');
    expect(newcomer).not.toHaveBeenCalled();
    const second = bus.emit('a.b');
    expect(newcomer).toHaveBeenCalledTimes(1);
    expect(newcomer).toHaveBeenCalledWith(second);
    expect(newcomer).not.toHaveBeenCalledWith(first);
  });

  it('lets a handler unsubscribe itself: it gets this event, not later ones; others keep theirs', () => {
    const bus = newBus();
    const calls: string[] = [];
    const self = bus.on('a.b', () => {
      calls.push('self');
      self.unsubscribe();
    });
    bus.on('a.b', () => void calls.push('other'));
    expect(bus.listenerCount('a.b')).toBe(2);
    bus.emit('a.b');
    bus.emit('a.b');
    expect(calls).toEqual(['self', 'other', 'other']);
    expect(bus.listenerCount('a.b')).toBe(1);
    expect(() => self.unsubscribe()).not.toThrow();
  });

  it('counts listeners: all, per type (exact and wildcard), per wildcard pattern, per definition', () => {
    const bus = newBus();
    const Def = defineEvent('user.created');
    bus.on('user.created', () => undefined);
    bus.on(Def, () => undefined);
    bus.on('user.*', () => undefined);
    bus.on('**', () => undefined);
    bus.on('org.created', () => undefined);
    expect(bus.listenerCount()).toBe(5);
    expect(bus.listenerCount('user.created')).toBe(4);
    expect(bus.listenerCount(Def)).toBe(4);
    expect(bus.listenerCount('user.*')).toBe(1);
    expect(bus.listenerCount('org.created')).toBe(2);
  });
});

describe('EventBusService: once and waitFor', () => {
  it('once() delivers exactly one event, then is gone', () => {
    const bus = newBus();
    const handler = jest.fn();
    const sub = bus.once('a.b', handler);
    bus.emit('a.b', 1);
    bus.emit('a.b', 2);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].data).toBe(1);
    expect(sub.active).toBe(false);
    expect(bus.listenerCount()).toBe(0);
  });

  it('once() delivers only once even when its handler emits the same type again', () => {
    const bus = newBus();
    const seen: number[] = [];
    bus.once<number>('a.b', (event) => {
      seen.push(event.data);
      bus.emit('a.b', event.data + 1);
    });
    bus.emit('a.b', 1);
    expect(seen).toEqual([1]);
    expect(bus.history().map((e) => e.data)).toEqual([1, 2]);
  });

  it('once() with a filter waits for a matching event', () => {
    const bus = newBus();
    const handler = jest.fn();
    bus.once<{ ok: boolean }>('a.b', handler, { filter: (event) => event.data.ok });
    bus.emit('a.b', { ok: false });
    bus.emit('a.b', { ok: true });
    bus.emit('a.b', { ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].data).toEqual({ ok: true });
  });

  describe('waitFor', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('resolves with the next matching event and leaves no listener or timer', async () => {
      const bus = newBus();
      const waiting = bus.waitFor('order.*', { timeoutMs: 1000 });
      expect(bus.listenerCount()).toBe(1);
      bus.emit('user.created');
      const event = bus.emit('order.paid', { id: 'o1' });
      await expect(waiting).resolves.toBe(event);
      expect(bus.listenerCount()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('resolves only with an event passing the filter', async () => {
      const bus = newBus();
      const Paid = defineEvent<{ id: string }>('order.paid');
      const waiting = bus.waitFor(Paid, { filter: (event) => event.data.id === 'o2' });
      bus.emit(Paid, { id: 'o1' });
      const wanted = bus.emit(Paid, { id: 'o2' });
      await expect(waiting).resolves.toBe(wanted);
      expect(bus.listenerCount()).toBe(0);
    });

    it('rejects with EventTimeoutError after timeoutMs, leaving no listener or timer', async () => {
      const bus = newBus();
      const waiting = bus.waitFor('order.paid', { timeoutMs: 1000 });
      expect(jest.getTimerCount()).toBe(1);
      jest.advanceTimersByTime(999);
      bus.emit('order.cancelled');
      jest.advanceTimersByTime(1);
      const error = await waiting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventTimeoutError);
      expect(error).toMatchObject({ name: 'EventTimeoutError', timeoutMs: 1000 });
      expect((error as Error).message).toContain('order.paid');
      expect(bus.listenerCount()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      bus.emit('order.paid');
    });

    it('fails at once for a malformed pattern, leaving no timer behind', async () => {
      const bus = newBus();
      const outcome = (async () => bus.waitFor('Order Paid', { timeoutMs: 1000 }))();
      await expect(outcome).rejects.toThrow(/not a valid pattern/);
      expect(jest.getTimerCount()).toBe(0);
      expect(bus.listenerCount()).toBe(0);
    });
  });

  it('leaves no active timer behind after a real waitFor timeout', async () => {
    const bus = newBus();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await expect(bus.waitFor('never.happens', { timeoutMs: 5 })).rejects.toBeInstanceOf(EventTimeoutError);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timersBefore);
    expect(bus.listenerCount()).toBe(0);
  });
});

describe('EventBusService: nested emits', () => {
  it('gives each handler its own event when a handler emits while the others of its event still wait', () => {
    const bus = newBus();
    const seen: string[] = [];
    bus.on('outer.event', (event) => {
      seen.push(`first:${event.type}`);
      bus.emit('inner.event', { depth: 1 });
    });
    bus.on('inner.event', (event) => void seen.push(`inner:${event.type}:${String(event.causationId)}`));
    bus.on('outer.event', (event) => void seen.push(`second:${event.type}`));
    const outer = bus.emit('outer.event');
    expect(seen).toEqual(['first:outer.event', `inner:inner.event:${outer.id}`, 'second:outer.event']);
  });
});

describe('EventBusService: failures', () => {
  it('isolates a throwing sync handler: others run, the emitter gets the event, it stays subscribed', () => {
    const bus = newBus();
    const calls: string[] = [];
    bus.on('a.b', () => void calls.push('before'));
    bus.on('a.b', function broken() {
      calls.push('broken');
      throw new Error('sync boom');
    });
    bus.on('a.b', () => void calls.push('after'));
    const event = bus.emit('a.b');
    expect(event.type).toBe('a.b');
    bus.emit('a.b');
    expect(calls).toEqual(['before', 'broken', 'after', 'before', 'broken', 'after']);
    expect(bus.deadLetters().map((d) => [d.handler, d.error.message])).toEqual([
      ['broken', 'sync boom'],
      ['broken', 'sync boom'],
    ]);
  });

  it('isolates a rejecting async handler without an unhandled rejection', async () => {
    const bus = newBus();
    const after = jest.fn();
    bus.on('a.b', async () => {
      await flush();
      throw new Error('async boom');
    });
    bus.on('a.b', () => Promise.reject('a plain string'), { name: 'stringly' });
    bus.on('a.b', after);
    expect(() => bus.emit('a.b')).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    await bus.drain();
    const letters = bus.deadLetters();
    expect(letters.map((d) => d.error.message).sort()).toEqual(['a plain string', 'async boom']);
    expect(letters.find((d) => d.handler === 'stringly')?.error.name).toBe('NonErrorThrown');
  });

  it('emitAsync() resolves with { event, handled, failed } and never rejects for handler errors', async () => {
    const bus = newBus();
    bus.on('a.b', () => undefined, { name: 'fine' });
    bus.on(
      'a.b',
      () => {
        throw new TypeError('bad');
      },
      { name: 'sync-fail' },
    );
    bus.on('a.b', async () => Promise.reject(new RangeError('worse')), { name: 'async-fail' });
    bus.on('a.b', () => undefined, { name: 'filtered-out', filter: () => false });
    const result = await bus.emitAsync('a.b', { n: 1 });
    expect(result.event).toMatchObject({ type: 'a.b', data: { n: 1 } });
    expect(result.handled).toBe(3);
    expect(result.failed).toEqual([
      { handler: 'sync-fail', error: expect.any(TypeError), attempts: 1 },
      { handler: 'async-fail', error: expect.any(RangeError), attempts: 1 },
    ]);
  });

  it('emitAsync() runs priority tiers one after another, handlers inside a tier concurrently', async () => {
    const bus = newBus();
    const log: string[] = [];
    const gates = [deferred(), deferred()];
    const high = (i: number) => async () => {
      log.push(`high${i}:start`);
      await gates[i].promise;
      log.push(`high${i}:end`);
    };
    bus.on('a.b', high(0), { priority: EventPriority.HIGH });
    bus.on('a.b', high(1), { priority: EventPriority.HIGH });
    bus.on('a.b', async () => void log.push('normal:start'));
    bus.on('a.b', () => void log.push('low'), { priority: EventPriority.LOW });
    let settled = false;
    const result = bus.emitAsync('a.b').then((r) => ((settled = true), r));
    await flush();
    expect(log).toEqual(['high0:start', 'high1:start']);
    gates[1].resolve();
    await flush();
    expect(log).toEqual(['high0:start', 'high1:start', 'high1:end']);
    expect(settled).toBe(false);
    gates[0].resolve();
    expect((await result).handled).toBe(4);
    expect(log).toEqual(['high0:start', 'high1:start', 'high1:end', 'high0:end', 'normal:start', 'low']);
  });

  it('retries per policy, then dead-letters and emits event.handler.failed exactly once', async () => {
    const bus = newBus();
    let calls = 0;
    bus.on(
      'payment.captured',
      () => {
        calls++;
        throw new Error(`try ${calls}`);
      },
      { name: 'Ledger.record', retry: { attempts: 3, backoffMs: 1, jitter: 0 } },
    );
    const failures: BusEvent[] = [];
    bus.on(HandlerFailed, (event) => void failures.push(event));
    const event = bus.emit('payment.captured', { id: 'p1' }, { actorId: 'u1' });
    expect(calls).toBe(1);
    expect(bus.deadLetters()).toEqual([]);
    await bus.drain();
    expect(calls).toBe(3);
    const [letter] = bus.deadLetters();
    expect(bus.deadLetters()).toHaveLength(1);
    expect(letter).toMatchObject({
      event,
      handler: 'Ledger.record',
      attempts: 3,
      error: { name: 'Error', message: 'try 3' },
    });
    expect(letter.failedAt).toMatch(ISO_UTC_MS);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      type: 'event.handler.failed',
      severity: 'error',
      correlationId: event.correlationId,
      causationId: event.id,
      actorId: 'u1',
      data: {
        deadLetterId: letter.id,
        eventId: event.id,
        eventType: 'payment.captured',
        handler: 'Ledger.record',
        error: 'try 3',
        attempts: 3,
      },
    });
  });

  it('stops retrying once a retry succeeds: no dead letter, no event.handler.failed', async () => {
    const bus = newBus();
    let calls = 0;
    bus.on(
      'a.b',
      async () => {
        if (++calls < 2) throw new Error('flaky');
      },
      { retry: { attempts: 5, backoffMs: 1, jitter: 0 } },
    );
    const result = await bus.emitAsync('a.b');
    expect(calls).toBe(2);
    expect(result.failed).toEqual([]);
    expect(bus.deadLetters()).toEqual([]);
    expect(bus.history({ type: 'event.handler.failed' })).toEqual([]);
  });

  it('applies the module retry option to listeners without their own', async () => {
    const bus = newBus({ retry: { attempts: 2, backoffMs: 1, jitter: 0 } });
    const handler = jest.fn(() => {
      throw new Error('x');
    });
    const result = await bus.emitAsync('a.b').then(() => (bus.on('a.b', handler), bus.emitAsync('a.b')));
    expect(handler).toHaveBeenCalledTimes(2);
    expect(result.failed[0].attempts).toBe(2);
  });

  it('never emits event.handler.failed for failures of its own listeners', async () => {
    const bus = newBus();
    bus.on(
      '**',
      () => {
        throw new Error('fails on everything');
      },
      { name: 'everywhere' },
    );
    bus.on(
      HandlerFailed,
      () => {
        throw new Error('alerting is down');
      },
      { name: 'alerting' },
    );
    bus.emit('a.b');
    await bus.drain();
    expect(bus.history().map((e) => e.type)).toEqual(['a.b', 'event.handler.failed']);
    expect(bus.deadLetters().map((d) => `${d.handler}@${d.event.type}`)).toEqual([
      'everywhere@a.b',
      'everywhere@event.handler.failed',
      'alerting@event.handler.failed',
    ]);
  });

  it('fails an async handler that overruns its timeoutMs with EventTimeoutError', async () => {
    const bus = newBus();
    const gate = deferred();
    bus.on('a.b', () => gate.promise, { timeoutMs: 10, name: 'slow' });
    const result = await bus.emitAsync('a.b');
    expect(result.failed).toEqual([{ handler: 'slow', error: expect.any(EventTimeoutError), attempts: 1 }]);
    gate.resolve();
  });

  it('replays a dead letter to the handler that failed it', async () => {
    const bus = newBus();
    let healthy = false;
    bus.on(
      'a.b',
      () => {
        if (!healthy) throw new Error('down');
      },
      { name: 'mailer' },
    );
    bus.emit('a.b', { n: 1 });
    const [letter] = bus.deadLetters();
    healthy = true;
    const result = await bus.replayDeadLetter(letter.id);
    expect(result).toEqual({ event: letter.event, handled: 1, failed: [] });
    expect(bus.deadLetters()).toEqual([]);
    await expect(bus.replayDeadLetter(letter.id)).rejects.toThrow(/No dead letter/);
  });

  it('bounds the dead-letter queue', () => {
    const bus = newBus({ deadLetters: { maxEntries: 2 } });
    bus.on('a.b', () => {
      throw new Error('x');
    });
    for (let i = 0; i < 4; i++) bus.emit('a.b', i);
    expect(bus.deadLetters().map((d) => d.event.data)).toEqual([2, 3]);
    expect(bus.stats().deadLetters).toBe(4);
  });
});

describe('EventBusService: history', () => {
  it('keeps events oldest first, bounded by count', () => {
    const bus = newBus({ history: { maxEvents: 3 } });
    for (let i = 1; i <= 5; i++) bus.emit('a.b', i);
    expect(bus.history().map((e) => e.data)).toEqual([3, 4, 5]);
    expect(bus.stats().history).toMatchObject({ size: 3, evicted: 2 });
  });

  it('keeps events bounded by approximate JSON bytes', () => {
    const bus = newBus({ history: { maxEvents: 1000, maxBytes: 10_000 } });
    const big = 'x'.repeat(3000);
    for (let i = 1; i <= 6; i++) bus.emit('a.b', { i, big });
    const kept = bus.history();
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(4);
    // The newest ones, consecutive, oldest first.
    const first = 6 - kept.length + 1;
    expect(kept.map((e) => (e.data as { i: number }).i)).toEqual(kept.map((_, k) => first + k));
    const { bytes } = bus.stats().history;
    expect(bytes).toBeLessThanOrEqual(10_000);
    expect(bytes).toBeGreaterThan(kept.length * 3000);
  });

  it('answers queries by type pattern, correlation id and limit (newest N, oldest first)', () => {
    const bus = newBus();
    bus.emit('user.created', 1, { correlationId: 'r1' });
    bus.emit('order.placed', 2, { correlationId: 'r1' });
    bus.emit('user.deleted', 3, { correlationId: 'r2' });
    bus.emit('user.created', 4, { correlationId: 'r1' });
    const data = (events: BusEvent[]) => events.map((e) => e.data);
    expect(data(bus.history())).toEqual([1, 2, 3, 4]);
    expect(data(bus.history({ type: 'user.*' }))).toEqual([1, 3, 4]);
    expect(data(bus.history({ correlationId: 'r1' }))).toEqual([1, 2, 4]);
    expect(data(bus.history({ limit: 2 }))).toEqual([3, 4]);
    expect(data(bus.history({ type: 'user.**', correlationId: 'r1', limit: 1 }))).toEqual([4]);
    expect(() => bus.history({ type: 'User' })).toThrow(/not a valid pattern/);
  });

  it('keeps nothing when history is off', () => {
    const bus = newBus({ history: false });
    bus.emit('a.b');
    expect(bus.history()).toEqual([]);
    expect(bus.stats().history.size).toBe(0);
  });
});

describe('EventBusService: enable, disable, drain, middleware', () => {
  it('delivers and records nothing while disabled, still validates, and resumes on enable()', async () => {
    const bus = newBus();
    const handler = jest.fn();
    bus.on('a.b', handler);
    bus.disable();
    expect(bus.isEnabled()).toBe(false);
    const event = bus.emit('a.b', { n: 1 });
    expect(event.data).toEqual({ n: 1 });
    expect(await bus.emitAsync('a.b')).toMatchObject({ handled: 0, failed: [] });
    expect(() => bus.emit('a.b', { at: new Date() })).toThrow(EventValidationError);
    expect(handler).not.toHaveBeenCalled();
    expect(bus.history()).toEqual([]);
    expect(bus.stats()).toMatchObject({ enabled: false, emitted: 0 });
    bus.enable();
    expect(bus.isEnabled()).toBe(true);
    bus.emit('a.b');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('drain() resolves at once with nothing in flight, and waits for running async handlers', async () => {
    const bus = newBus();
    await expect(bus.drain()).resolves.toBeUndefined();
    const gate = deferred();
    let finished = false;
    bus.on('a.b', async () => {
      await gate.promise;
      finished = true;
    });
    bus.emit('a.b');
    expect(bus.stats().inFlight).toBe(1);
    let drained = false;
    const draining = bus.drain().then(() => (drained = true));
    await flush();
    expect(drained).toBe(false);
    gate.resolve();
    await draining;
    expect(finished).toBe(true);
    expect(bus.stats().inFlight).toBe(0);
  });

  it('drain() also waits for scheduled retries', async () => {
    const bus = newBus();
    const attempts: number[] = [];
    bus.on(
      'a.b',
      () => {
        attempts.push(attempts.length + 1);
        if (attempts.length < 3) throw new Error('again');
      },
      { retry: { attempts: 3, backoffMs: 5, jitter: 0 } },
    );
    bus.emit('a.b');
    expect(attempts).toEqual([1]);
    expect(bus.stats().inFlight).toBe(1);
    await bus.drain();
    expect(attempts).toEqual([1, 2, 3]);
    expect(bus.deadLetters()).toEqual([]);
  });

  it('drain(timeoutMs) rejects with EventTimeoutError while a handler still runs', async () => {
    jest.useFakeTimers();
    try {
      const bus = newBus();
      const gate = deferred();
      bus.on('a.b', () => gate.promise);
      bus.emit('a.b');
      const draining = bus.drain(500);
      jest.advanceTimersByTime(500);
      const error = await draining.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventTimeoutError);
      expect((error as Error).message).toMatch(/1 handler/);
      gate.resolve();
      await Promise.resolve();
      await expect(bus.drain()).resolves.toBeUndefined();
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('before() middleware can enrich a copy that handlers and history see, frozen like any event', () => {
    const bus = newBus();
    const original: BusEvent[] = [];
    bus.use({ before: (event) => void original.push(event) });
    bus.use({
      before: (event) => ({ ...event, metadata: { ...event.metadata, tenant: { id: 't1' } } }),
    });
    let received: BusEvent | undefined;
    bus.on('a.b', (event) => void (received = event));
    const returned = bus.emit('a.b', { n: 1 });
    expect(received).toBe(returned);
    expect(returned.metadata).toEqual({ tenant: { id: 't1' } });
    expect(original[0].metadata).toEqual({});
    expect(bus.history()).toEqual([returned]);
    expect(Object.isFrozen(returned)).toBe(true);
    expect(Object.isFrozen(returned.metadata)).toBe(true);
    expect(Object.isFrozen(returned.metadata.tenant)).toBe(true);
  });

  it('before() returning false drops the event: no handler, no history', async () => {
    const bus = newBus();
    const handler = jest.fn();
    bus.on('**', handler);
    const remove = bus.use({ before: (event) => (event.type.startsWith('noise.') ? false : undefined) });
    bus.emit('noise.ping');
    expect(await bus.emitAsync('noise.ping')).toMatchObject({ handled: 0 });
    bus.emit('real.thing');
    expect(handler.mock.calls.map(([e]) => e.type)).toEqual(['real.thing']);
    expect(bus.history().map((e) => e.type)).toEqual(['real.thing']);
    remove();
    bus.emit('noise.ping');
    expect(bus.history().map((e) => e.type)).toEqual(['real.thing', 'noise.ping']);
  });

  it('after() middleware sees the event and the result; a throwing after() does not reach the emitter', async () => {
    const bus = newBus();
    const seen: [string, number, number][] = [];
    bus.use({ after: (event, result) => void seen.push([event.type, result.handled, result.failed.length]) });
    bus.use({
      after: () => {
        throw new Error('after boom');
      },
    });
    bus.on('a.b', async () => {
      throw new Error('handler boom');
    });
    bus.on('a.b', () => undefined);
    expect(() => bus.emit('a.b')).not.toThrow();
    await expect(bus.emitAsync('a.b')).resolves.toMatchObject({ handled: 2 });
    expect(seen[0]).toEqual(['a.b', 2, 0]);
    expect(seen[seen.length - 1]).toEqual(['a.b', 2, 1]);
  });

  it('use() rejects something that is not middleware', () => {
    expect(() => newBus().use({} as never)).toThrow(TypeError);
  });
});

describe('EventBusService: correlation and causation', () => {
  it('starts a new story per event outside any context: correlationId = own id', () => {
    const bus = newBus();
    const a = bus.emit('a.b');
    const b = bus.emit('a.b');
    expect(a.correlationId).toBe(a.id);
    expect(b.correlationId).toBe(b.id);
  });

  it('gives events emitted inside a handler the same correlation id and causationId = handled event id', async () => {
    const bus = newBus();
    const emitted: Record<string, BusEvent> = {};
    bus.on('order.placed', () => void (emitted.invoice = bus.emit('invoice.created')));
    bus.on('invoice.created', async () => {
      await flush();
      emitted.mail = bus.emit('mail.sent');
    });
    const root = bus.emit('order.placed', {}, { actorId: 'u1' });
    await bus.drain();
    expect(emitted.invoice).toMatchObject({ correlationId: root.id, causationId: root.id, actorId: 'u1' });
    expect(emitted.mail).toMatchObject({
      correlationId: root.id,
      causationId: emitted.invoice.id,
      actorId: 'u1',
    });
    const afterwards = bus.emit('order.placed');
    expect(afterwards).not.toHaveProperty('causationId');
  });

  it("takes the correlation id and actor from the caller's context", () => {
    const bus = newBus();
    const context = new EventContext();
    const event = context.run(() => bus.emit('a.b'), { correlationId: 'req-77', actorId: 'user-5' });
    expect(event).toMatchObject({ correlationId: 'req-77', actorId: 'user-5' });
    expect(event).not.toHaveProperty('causationId');
  });

  it("does not let a handler's context writes leak into the emitter's context", () => {
    const bus = newBus();
    const context = new EventContext();
    bus.on('a.b', () => context.setActor('someone-else'));
    context.run(
      () => {
        bus.emit('a.b');
        expect(context.actorId).toBe('user-5');
        expect(bus.emit('c.d').actorId).toBe('user-5');
      },
      { correlationId: 'req-1', actorId: 'user-5' },
    );
  });
});

describe('EventBusService: stats', () => {
  it('counts emits, handler calls, failures, retries, dead letters and listeners', async () => {
    const bus = newBus({ history: { maxEvents: 2 } });
    bus.on('a.*', () => undefined, { name: 'ok' });
    let n = 0;
    bus.on(
      'a.fail',
      () => {
        n++;
        throw new Error('x');
      },
      { name: 'bad', retry: { attempts: 2, backoffMs: 1, jitter: 0 } },
    );
    bus.emit('a.one');
    bus.emit('a.one');
    bus.emit('a.fail');
    await bus.drain();
    const stats = bus.stats();
    expect(stats).toMatchObject({
      enabled: true,
      ready: true,
      emitted: 4, // a.one twice, a.fail, event.handler.failed
      handled: 3,
      failed: 2,
      retried: 1,
      deadLetters: 1,
      inFlight: 0,
      listeners: 2,
      history: { size: 2, evicted: 2 },
      byType: { 'a.one': 2, 'a.fail': 1, 'event.handler.failed': 1 },
    });
    expect(stats.handlers.ok).toMatchObject({ calls: 3, failures: 0, retries: 0 });
    expect(stats.handlers.bad).toMatchObject({ calls: 2, failures: 2, retries: 1 });
    expect(n).toBe(2);
  });

  it('rejects invalid listener options with a clear message', () => {
    const bus = newBus();
    expect(() => bus.on('a.b', () => undefined, { retry: { attempts: 0 } })).toThrow(/attempts/);
    expect(() => bus.on('a.b', () => undefined, { retry: { attempts: 2, backof: 5 } as never })).toThrow(
      /backof/,
    );
    expect(() => bus.on('a.b', () => undefined, { priority: NaN })).toThrow(/priority/);
    expect(() => bus.on('a.b', () => undefined, { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => bus.on('a.b', 'nope' as never)).toThrow(/function/);
  });

  it('refuses wrong options when built without Nest too', () => {
    expect(() => new EventBusService({ histroy: false } as never)).toThrow(EventsConfigError);
  });
});
