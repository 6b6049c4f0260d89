import { Logger } from '@nestjs/common';
import { EventBusService } from '../bus/event-bus.service';
import { EventsConfigError } from '../errors/events-config.error';
import { AuditWriteTracker } from '../audit/audit-write.tracker';
import { EventsHealthIndicator } from './events-health.indicator';

function setup() {
  const bus = new EventBusService({ history: false });
  const tracker = new AuditWriteTracker();
  return { bus, tracker, health: new EventsHealthIndicator(bus, tracker) };
}

beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());
afterEach(() => jest.useRealTimers());

describe('EventsHealthIndicator.checkBus', () => {
  it('is up with the bus figures under the given key', () => {
    const { health } = setup();
    expect(health.checkBus('bus')).toEqual({
      bus: {
        status: 'up',
        ready: true,
        enabled: true,
        inFlight: 0,
        maxInFlight: 1000,
        deadLetters: 0,
        newDeadLetters: 0,
        maxNewDeadLetters: 10,
        windowMs: 60_000,
      },
    });
  });

  it('is down while more handlers than maxInFlight are in flight, and up once they finish', async () => {
    const { bus, health } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    bus.on('job.run', () => gate);
    for (let i = 0; i < 3; i++) bus.emit('job.run', {});
    const down = health.checkBus('events', { maxInFlight: 2 }).events;
    expect(down).toMatchObject({ status: 'down', inFlight: 3 });
    expect(down.message).toContain('3 handlers in flight');
    expect(health.checkBus('events', { maxInFlight: 3 }).events.status).toBe('up');
    release();
    await bus.drain(1000);
    expect(health.checkBus('events', { maxInFlight: 2 }).events.status).toBe('up');
  });

  it('is down when dead letters grew past the limit within the window, and up again once they age out', () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    const { bus, health } = setup();
    bus.on('mail.send', () => {
      throw new Error('smtp down');
    });
    for (let i = 0; i < 3; i++) bus.emit('mail.send', {});
    const options = { maxNewDeadLetters: 2, windowMs: 10_000 };
    const down = health.checkBus('events', options).events;
    expect(down).toMatchObject({ status: 'down', newDeadLetters: 3, deadLetters: 3 });
    expect(down.message).toContain('3 new dead letters');
    expect(health.checkBus('events', { ...options, maxNewDeadLetters: 3 }).events.status).toBe('up');
    jest.setSystemTime(Date.parse('2026-01-01T00:00:11Z'));
    expect(health.checkBus('events', options).events).toMatchObject({
      status: 'up',
      newDeadLetters: 0,
      deadLetters: 3,
    });
  });

  it('refuses a limit that is not a number in range, naming it', () => {
    const { health } = setup();
    expect(() => health.checkBus('events', { maxInFlight: -1 })).toThrow(EventsConfigError);
    expect(() => health.checkBus('events', { windowMs: Number.NaN })).toThrow(
      /checkBus\(\) option "windowMs": expected a number of milliseconds >= 1/,
    );
  });
});

describe('EventsHealthIndicator.checkAudit', () => {
  it('is down when the audit trail is off', async () => {
    const { health } = setup();
    const result = await health.checkAudit();
    expect(result.audit.status).toBe('down');
    expect(result.audit.message).toContain('audit trail is off');
  });
});

describe('AuditWriteTracker', () => {
  it('remembers the last successful write and how long writes have been failing', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { tracker } = setup();
    tracker.auditWritten(10, 3, 'success');
    expect(tracker.lastWriteAt).toBe(1_000_000);
    jest.setSystemTime(1_005_000);
    tracker.auditWritten(10, 3, 'failure');
    jest.setSystemTime(1_009_000);
    tracker.auditWritten(10, 3, 'failure');
    expect(tracker.failingSince).toBe(1_005_000);
    tracker.auditWritten(20, 3, 'success');
    expect(tracker).toMatchObject({ lastWriteAt: 1_009_000, failingSince: undefined });
  });
});
