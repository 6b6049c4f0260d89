import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('replaces secret-looking keys at any depth and keeps the rest', () => {
    const input = {
      username: 'alice',
      password: 'hunter2',
      nested: [{ accessToken: 't', client_secret: 's', note: 'fine' }],
      headers: { Authorization: 'Bearer x', 'X-Api-Key': 'k' },
    };
    expect(redactSecrets(input)).toEqual({
      username: 'alice',
      password: '[redacted]',
      nested: [{ accessToken: '[redacted]', client_secret: '[redacted]', note: 'fine' }],
      headers: { Authorization: '[redacted]', 'X-Api-Key': '[redacted]' },
    });
    expect(input.password).toBe('hunter2');
  });

  it('keeps __proto__ a plain key without touching prototypes', () => {
    const out = redactSecrets(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
