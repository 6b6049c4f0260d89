import { normalizePayload } from './json/json-payload';
import { KeyRedactor } from './key-redactor';

describe('KeyRedactor', () => {
  const redactor = new KeyRedactor();

  it.each([
    'password',
    'PASSWORD',
    'accessToken',
    'refresh_token',
    'client_secret',
    'X-Api-Key',
    'apiKey',
    'api_key',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'private_key',
    'privateKey',
    'credentials',
    'db.passwd',
  ])('calls %s secret', (key) => expect(redactor.redacts(key)).toBe(true));

  it.each(['id', 'email', 'name', 'author', 'keyboard', 'topic'])('leaves %s alone', (key) => {
    expect(redactor.redacts(key)).toBe(false);
  });

  it('gives the same answer from its cache', () => {
    expect(redactor.redacts('userPassword')).toBe(true);
    expect(redactor.redacts('userPassword')).toBe(true);
    expect(redactor.redacts('userName')).toBe(false);
    expect(redactor.redacts('userName')).toBe(false);
  });

  it('uses configured words and marker', () => {
    const custom = new KeyRedactor(['SSN', 'card-number'], '***');
    expect(custom.redacts('ssn')).toBe(true);
    expect(custom.redacts('cardNumber')).toBe(true);
    expect(custom.redacts('password')).toBe(false);
    expect(custom.marker).toBe('***');
  });
});

describe('normalizePayload with a redactor', () => {
  it('replaces secrets at any depth, in objects inside arrays, without touching the input', () => {
    const input = {
      user: { name: 'a', Password: 'p', tokens: [{ accessToken: 't' }] },
      list: [{ apiKey: 'k' }],
    };
    const { value, issues } = normalizePayload(input, new KeyRedactor());
    expect(issues).toBeUndefined();
    expect(value).toEqual({
      user: { name: 'a', Password: '[REDACTED]', tokens: '[REDACTED]' },
      list: [{ apiKey: '[REDACTED]' }],
    });
    expect(input.user.Password).toBe('p');
  });

  it('redacts a secret key whatever its value, even a value JSON could not carry', () => {
    const { value, issues } = normalizePayload({ secret: new Map(), ok: 1 }, new KeyRedactor());
    expect(issues).toBeUndefined();
    expect(value).toEqual({ secret: '[REDACTED]', ok: 1 });
  });
});
