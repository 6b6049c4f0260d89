import type { PayloadRedactor } from './json/json-payload';
import { keyWords } from './key-words';

/**
 * The words that make a payload key secret by default. A key is split into words (camelCase, PascalCase,
 * snake_case, kebab-case, dots, spaces and digits all separate words; case is ignored) and is secret when some run
 * of its consecutive words, joined, is one of these entries (an entry of several words, such as `api key`, is
 * written here with spaces and matches `apiKey`, `API_KEY`, `x-api-key` and `apikey` alike). Whole words only:
 * `accessToken`, `client_secret`, `sessionId` and `pinCode` are caught; `totalTokens`, `tokenizer`, `secretary`,
 * `passwordless` and `author` are not.
 *
 * Deliberately left out: `key` alone (`cacheKey`, `partitionKey` and `idempotencyKey` are not secrets; the
 * secret kinds of key are listed as phrases) and plural `tokens` (`totalTokens` counts tokens).
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = Object.freeze([
  // passwords and their spellings
  'password',
  'passwords',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  // secrets, tokens and keys
  'secret',
  'secrets',
  'token',
  'api key',
  'access key',
  'private key',
  'signing key',
  'encryption key',
  'signature',
  'jwt',
  'bearer',
  'otp',
  'pin',
  // credentials and sessions
  'authorization',
  'auth',
  'credential',
  'credentials',
  'cookie',
  'cookies',
  'session id',
  'connection string',
  // card and identity numbers
  'card number',
  'cvv',
  'cvc',
  'ssn',
]);

/** Which payload keys every event has redacted, and with what; `false` when redaction is off. */
export type ResolvedRedaction = false | { readonly keys: readonly string[]; readonly marker: string };

/** What redacted values are replaced with by default. */
export const DEFAULT_REDACTION_MARKER = '[REDACTED]';

/** Keys remembered per bus; beyond this, decisions are computed each time instead of cached. */
const MAX_CACHED_KEYS = 4096;
/** Values of redacted keys one event keeps for redacting error texts (`collected`). */
const MAX_COLLECTED = 16;
/** Shorter values are not looked for in error texts: they would match ordinary words and numbers. */
const MIN_SECRET_LENGTH = 4;
const MAX_SECRET_LENGTH = 8192;

/**
 * Decides which payload keys are secret. One per bus: it caches its decisions in a bounded map so the payload
 * walk pays one map lookup per key. While a payload is copied it also collects the values it redacts
 * (`collected`), so that an error text quoting one of them can be redacted too.
 */
export class KeyRedactor implements PayloadRedactor {
  /** The entries, each as its words joined (`api key` -> `apikey`). */
  private readonly entries: ReadonlySet<string>;
  private readonly longest: number;
  private readonly decisions = new Map<string, boolean>();
  /** Values redacted since the last `takeCollected()`, when there were any. */
  collected: string[] | undefined;

  constructor(
    words: readonly string[] = DEFAULT_REDACTED_KEYS,
    readonly marker: string = DEFAULT_REDACTION_MARKER,
  ) {
    const entries = words.map((word) => keyWords(word).join('')).filter((entry) => entry.length > 0);
    this.entries = new Set(entries);
    this.longest = entries.reduce((max, entry) => Math.max(max, entry.length), 0);
  }

  redacts(key: string): boolean {
    const known = this.decisions.get(key);
    if (known !== undefined) return known;
    const secret = this.matches(keyWords(key));
    if (this.decisions.size < MAX_CACHED_KEYS) this.decisions.set(key, secret);
    return secret;
  }

  /** Told the original value of each key it redacted (by the payload walk and copier). */
  redacted(value: unknown): void {
    collect(value, (this.collected ??= []), 0);
  }

  /** The values collected since the last call, and forgets them. */
  takeCollected(): string[] | undefined {
    const collected = this.collected;
    this.collected = undefined;
    return collected;
  }

  /** True when a run of consecutive words, joined, is an entry. */
  private matches(words: readonly string[]): boolean {
    for (let i = 0; i < words.length; i++) {
      let run = '';
      for (let j = i; j < words.length; j++) {
        run += words[j];
        if (run.length > this.longest) break;
        if (this.entries.has(run)) return true;
      }
    }
    return false;
  }
}

/** Adds the strings and numbers of `value` (a few levels deep) to `into`, up to `MAX_COLLECTED`. */
function collect(value: unknown, into: string[], depth: number): void {
  if (into.length >= MAX_COLLECTED) return;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    if (text.length >= MIN_SECRET_LENGTH && text.length <= MAX_SECRET_LENGTH) into.push(text);
    return;
  }
  if (depth >= 3 || typeof value !== 'object' || value === null) return;
  try {
    for (const item of Array.isArray(value) ? value : Object.values(value)) collect(item, into, depth + 1);
  } catch {
    // A getter threw: the walk reports the payload as invalid anyway.
  }
}
