import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService, EventTimeoutError, HandlerFailed } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { FlakyListeners, RetryAppModule } from './fixtures/retry.fixture';

/** The gaps between consecutive tries. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

describe('retry timing follows the policy', () => {
  let app: INestApplication;
  let bus: EventBusService;
  let listeners: FlakyListeners;
  let events: EventRecorder;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [RetryAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    bus = app.get(EventBusService);
    listeners = app.get(FlakyListeners);
    events = EventRecorder.attach(app);
    // Timers and the clock are fake; promise jobs and nextTick stay real so awaits run as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    // Jitter takes `jitter * random()` of each delay off: with random() = 0.5, half the jitter share.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    jest.useRealTimers();
    await app.close();
  });

  it('waits backoffMs * factor^(n-1), capped at maxBackoffMs, minus the jitter share, between tries', async () => {
    bus.emit('payment.captured', { id: 'p-1' });
    await jest.advanceTimersByTimeAsync(0);
    expect(listeners.tries.flaky).toHaveLength(1);

    // Delays: 100 -> 75, 200 -> 150, min(400, 250) = 250 -> 188 (rounded), each * (1 - 0.5 * 0.5).
    await jest.advanceTimersByTimeAsync(74);
    expect(listeners.tries.flaky).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(listeners.tries.flaky).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(149);
    expect(listeners.tries.flaky).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(listeners.tries.flaky).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(188);
    expect(listeners.tries.flaky).toHaveLength(4);

    expect(gaps(listeners.tries.flaky)).toEqual([75, 150, 188]);
    expect(bus.pending).toBe(0);
    expect(bus.deadLetters()).toEqual([]);
    events.expectNoEvent(HandlerFailed);
    const stats = bus.stats().handlers['FlakyListeners.flaky'];
    expect(stats).toMatchObject({ calls: 4, failures: 3, retries: 3 });
  });

  it('gives up after `attempts` tries (the first included) and dead-letters the failure', async () => {
    bus.emit('payment.refunded', { id: 'p-2' });
    expect(listeners.tries.hopeless).toHaveLength(1); // a synchronous handler's first try runs inside emit()
    await jest.advanceTimersByTimeAsync(10_000);

    expect(listeners.tries.hopeless).toHaveLength(3);
    expect(gaps(listeners.tries.hopeless)).toEqual([40, 120]);
    const [letter] = bus.deadLetters();
    expect(letter).toMatchObject({ handler: 'FlakyListeners.hopeless', attempts: 3 });
    expect(letter.error.message).toBe('refunds are broken');
  });

  it('uses the module default policy for listeners without their own', async () => {
    bus.emit('payment.disputed', {});
    await jest.advanceTimersByTimeAsync(10_000);

    // { attempts: 2, backoffMs: 500, jitter: 0.2 }: one retry after 500 * (1 - 0.2 * 0.5) = 450 ms.
    expect(gaps(listeners.tries.byDefault)).toEqual([450]);
    expect(bus.deadLetters()[0]).toMatchObject({ handler: 'FlakyListeners.byDefault', attempts: 2 });
  });

  it('counts a try that outlives timeoutMs as a failure, retries it, then dead-letters a timeout error', async () => {
    bus.emit('payment.settled', {});
    await jest.advanceTimersByTimeAsync(49);
    expect(listeners.tries.slow).toHaveLength(1);
    expect(bus.deadLetters()).toEqual([]);

    await jest.advanceTimersByTimeAsync(1 + 10); // times out at 50 ms, retried 10 ms later
    expect(listeners.tries.slow).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(50);

    expect(gaps(listeners.tries.slow)).toEqual([60]);
    const [letter] = bus.deadLetters();
    expect(letter).toMatchObject({ handler: 'FlakyListeners.slow', attempts: 2 });
    expect(letter.error.name).toBe(new EventTimeoutError('x', 1).name);
    expect(letter.error.message).toContain('50 ms');
    expect(bus.pending).toBe(0);
  });

  it('emitAsync() resolves after the retries, listing the final failure', async () => {
    const settled = bus.emitAsync('payment.refunded', { id: 'p-3' });
    await jest.advanceTimersByTimeAsync(10_000);
    const result = await settled;

    expect(result.handled).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ handler: 'FlakyListeners.hopeless', attempts: 3 });
    expect(result.failed[0].error.message).toBe('refunds are broken');
  });
});
