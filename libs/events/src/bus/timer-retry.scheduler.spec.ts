import type { RetryRequest } from './ports/retry-scheduler.port';
import { TimerRetryScheduler } from './timer-retry.scheduler';
import type { BusEvent } from '../event/bus-event.interface';

function request(delayMs: number, log: string[], name: string): RetryRequest {
  return {
    event: {} as BusEvent,
    handler: name,
    attempt: 2,
    delayMs,
    run: () => log.push(`run ${name}`),
    abandon: () => log.push(`abandon ${name}`),
  };
}

describe('TimerRetryScheduler', () => {
  afterEach(() => jest.useRealTimers());

  it('runs each retry once its delay passed, and counts the waiting ones', () => {
    jest.useFakeTimers();
    const scheduler = new TimerRetryScheduler();
    const log: string[] = [];
    scheduler.schedule(request(50, log, 'a'));
    scheduler.schedule(request(10, log, 'b'));
    expect(scheduler.waiting).toBe(2);
    jest.advanceTimersByTime(10);
    expect(log).toEqual(['run b']);
    jest.advanceTimersByTime(40);
    expect(log).toEqual(['run b', 'run a']);
    expect(scheduler.waiting).toBe(0);
  });

  it('abandons every waiting retry, leaving no timer behind', () => {
    jest.useFakeTimers();
    const scheduler = new TimerRetryScheduler();
    const log: string[] = [];
    scheduler.schedule(request(50, log, 'a'));
    scheduler.schedule(request(60, log, 'b'));
    expect(scheduler.abandonAll()).toBe(2);
    expect(log).toEqual(['abandon a', 'abandon b']);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(100);
    expect(log).toEqual(['abandon a', 'abandon b']);
  });
});
