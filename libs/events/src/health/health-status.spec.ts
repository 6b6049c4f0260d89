import { healthStatusOnly } from './health-status';

describe('healthStatusOnly', () => {
  it('keeps the overall status and each indicator status, nothing else', () => {
    const full = {
      status: 'error',
      info: { events: { status: 'up', inFlight: 3, deadLetters: 1 } },
      error: {
        audit: {
          status: 'down',
          message: 'the audit store is unreachable: connect ECONNREFUSED 127.0.0.1:4392',
        },
      },
      details: {
        events: { status: 'up', inFlight: 3, deadLetters: 1 },
        audit: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:4392' },
      },
    };
    const reduced = healthStatusOnly(JSON.parse(JSON.stringify(full)) as typeof full);
    expect(reduced).toEqual({
      status: 'error',
      info: { events: { status: 'up' } },
      error: { audit: { status: 'down' } },
      details: { events: { status: 'up' }, audit: { status: 'down' } },
    });
    expect(JSON.stringify(reduced)).not.toContain('127.0.0.1');
    expect(Object.getPrototypeOf(reduced.details)).toBe(Object.prototype);
  });
});
