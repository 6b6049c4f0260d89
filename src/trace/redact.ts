const SECRET_KEY = /pass(word)?|token|secret|authorization|api[-_]?key|cookie|credential|hash/i;
const MARKER = '[redacted]';

/**
 * A copy of `value` with the values of secret-looking keys replaced. The plugin already redacts payloads when
 * events are created; the trace applies this as a second line, so no password can reach the response.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const safe = SECRET_KEY.test(key) ? MARKER : redactSecrets(item, depth + 1);
    Object.defineProperty(out, key, { value: safe, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
