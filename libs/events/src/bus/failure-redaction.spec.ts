import { Logger } from '@nestjs/common';
import type { BusEvent } from '../event/bus-event.interface';
import { resolveBusOptions } from './bus.options';
import { EventBusService } from './event-bus.service';
import { HandlerFailed } from './system-events';

// Finding F4 of the reliability report: a secret quoted in a handler's error reached the log line, the dead letter
// (message and stack), event.handler.failed and, through it, the audit trail.

const SECRET = 'hunter2-correct-horse';

describe('handler failures are redacted before they are logged or kept', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation((message: unknown) => void logged.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  function failingBus(error: () => Error, options = {}): { bus: EventBusService; announced: BusEvent[] } {
    const bus = new EventBusService(options);
    const announced: BusEvent[] = [];
    bus.on(HandlerFailed, (event) => void announced.push(event));
    bus.on(
      'user.created',
      () => {
        throw error();
      },
      { name: 'sync-crm' },
    );
    return { bus, announced };
  }

  function expectNowhere(bus: EventBusService, announced: BusEvent[], secret: string): void {
    const [letter] = bus.deadLetters();
    expect(letter.error.message).not.toContain(secret);
    expect(letter.error.stack).toBeDefined();
    expect(letter.error.stack).not.toContain(secret);
    expect(JSON.stringify(announced)).not.toContain(secret);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain(secret);
  }

  it('redacts a value that was redacted from the event payload, wherever the error quotes it', () => {
    const { bus, announced } = failingBus(
      () => new Error(`could not sync bob (password ${SECRET}) to the CRM`),
    );
    const event = bus.emit('user.created', { user: 'bob', password: SECRET });
    expect(event.data).toEqual({ user: 'bob', password: '[REDACTED]' });
    expectNowhere(bus, announced, SECRET);
    expect(bus.deadLetters()[0].error.message).toBe('could not sync bob (password [REDACTED]) to the CRM');
  });

  it.each([
    ['a key=value pair of a secret key', `upstream refused: api_key=${SECRET}`],
    ['JSON quoting a secret key', `bad body {"user":"bob","token":"${SECRET}"}`],
    ['a bearer credential', `401 for Authorization: Bearer ${SECRET}`],
    ['a JWT', `expired: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${SECRET.replace(/-/g, '_')}`],
  ])('redacts %s', (_name, message) => {
    const { bus, announced } = failingBus(() => new Error(message));
    bus.emit('user.created', { user: 'bob' });
    expectNowhere(bus, announced, SECRET.replace(/-/g, '_'));
    expectNowhere(bus, announced, SECRET);
  });

  it('keeps the text as it is when redaction is off (audit.redact: false)', () => {
    const off = new EventBusService(resolveBusOptions({}, false));
    off.on('user.created', () => {
      throw new Error(`password=${SECRET}`);
    });
    off.emit('user.created', {});
    expect(off.deadLetters()[0].error.message).toBe(`password=${SECRET}`);
  });
});
