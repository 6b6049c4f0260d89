import { KeyRedactor } from './key-redactor';
import { TextRedactor } from './text-redactor';

describe('TextRedactor', () => {
  const text = new TextRedactor(new KeyRedactor());
  const JWT =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it.each([
    ['password=hunter2 rejected', 'password=[REDACTED] rejected'],
    [
      'login failed: {"user":"bob","password":"hunter 2"}',
      'login failed: {"user":"bob","password":"[REDACTED]"}',
    ],
    ["apiKey: 'k-123', retry", "apiKey: '[REDACTED]', retry"],
    ['GET /x?token=abc123&page=2', 'GET /x?token=[REDACTED]'],
    ['(pwd: a;b)', '(pwd: [REDACTED];b)'],
    ['Authorization: Bearer abc.def-ghi_jkl', 'Authorization: Bearer [REDACTED]'],
    ['header was "Basic dXNlcjpwYXNz"', 'header was "Basic [REDACTED]"'],
    [`session ${JWT} expired`, 'session [REDACTED] expired'],
    ['sessionId = s-42; user = bob', 'sessionId = [REDACTED]; user = bob'],
  ])('redacts %j', (input, expected) => expect(text.redact(input)).toBe(expected));

  it.each([
    'user=bob count=3',
    'totalTokens=1200 over budget',
    'at Object.<anonymous> (/app/src/users.service.ts:12:34)',
    'Token validation failed',
    'password=[REDACTED]',
  ])('leaves %j alone', (input) => expect(text.redact(input)).toBe(input));

  it('redacts known secret values wherever they appear, longest first', () => {
    expect(text.redact('could not log in alice with s3cret-pw (s3cret)', ['s3cret', 's3cret-pw'])).toBe(
      'could not log in alice with [REDACTED] ([REDACTED])',
    );
  });
});
