import type { PayloadRedactor } from './json/json-payload';

/**
 * The words that make a payload key secret by default. A key is redacted when, lowercased and with `-`, `_`, `.`
 * and spaces removed, it contains one of them: `accessToken`, `client_secret`, `X-Api-Key` and `private_key` all
 * match.
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'apikey',
  'accesskey',
  'cookie',
  'privatekey',
  'credential',
]);

/** Which payload keys every event has redacted, and with what; `false` when redaction is off. */
export type ResolvedRedaction = false | { readonly keys: readonly string[]; readonly marker: string };

/** What redacted values are replaced with by default. */
export const DEFAULT_REDACTION_MARKER = '[REDACTED]';

/** Keys remembered per bus; beyond this, decisions are computed each time instead of cached. */
const MAX_CACHED_KEYS = 4096;
const SEPARATORS = /[-_.\s]/g;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(SEPARATORS, '');
}

/**
 * Decides which payload keys are secret. One per bus: it caches its decisions in a bounded map so the payload
 * walk pays one map lookup per key.
 */
export class KeyRedactor implements PayloadRedactor {
  private readonly words: readonly string[];
  private readonly decisions = new Map<string, boolean>();

  constructor(
    words: readonly string[] = DEFAULT_REDACTED_KEYS,
    readonly marker: string = DEFAULT_REDACTION_MARKER,
  ) {
    this.words = words.map(normalizeKey).filter((word) => word.length > 0);
  }

  redacts(key: string): boolean {
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const normalized = normalizeKey(key);
    let secret = false;
    for (const word of this.words) {
      if (normalized.includes(word)) {
        secret = true;
        break;
      }
    }
    if (this.decisions.size < MAX_CACHED_KEYS) this.decisions.set(key, secret);
    return secret;
  }
}
