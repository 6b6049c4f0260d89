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
    // Reliability report F2: common names the old list missed.
    'pwd',
    'pass',
    'pin',
    'pinCode',
    'otp',
    'jwt',
    'bearer',
    'auth',
    'sessionId',
    'session_id',
    'SessionID',
    'sessionid',
    'apikey',
    'APIKey',
    'API_KEY',
    'Api Key',
    'api.key',
    'AWS_ACCESS_KEY_ID',
    'cvv',
    'ssn',
    'cardNumber',
    'signature',
    'oauth2Token',
    'pass\u200bword',
  ])('calls %s secret', (key) => expect(redactor.redacts(key)).toBe(true));

  it.each([
    'id',
    'email',
    'name',
    'author',
    'keyboard',
    'topic',
    // Reliability report F3: innocent keys the old substring match redacted, losing audit data.
    'totalTokens',
    'tokenizer',
    'secretary',
    'passwordless',
    'spinCount',
    'cacheKey',
    'partitionKey',
    'authorId',
  ])('leaves %s alone', (key) => {
    expect(redactor.redacts(key)).toBe(false);
  });

  it('matches configured phrases written in any case style', () => {
    const custom = new KeyRedactor(['customer pin', 'IBAN']);
    expect(
      ['customerPin', 'customer_pin', 'CUSTOMER-PIN', 'iban', 'payerIban'].map((k) => custom.redacts(k)),
    ).toEqual([true, true, true, true, true]);
    expect(custom.redacts('pin')).toBe(false);
    expect(custom.redacts('customer')).toBe(false);
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
      user: { name: 'a', Password: '[REDACTED]', tokens: [{ accessToken: '[REDACTED]' }] },
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
