import type { KeyRedactor } from './key-redactor';

/** `Bearer <credentials>` and `Basic <credentials>`, as an Authorization header or an error quoting one writes them. */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi;
/** A JWT (JWS compact form): a base64url JSON header and payload, and a signature. */
const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
/** A key (quoted or not) followed by `=` or `:`; the value after it is read by `VALUE`. */
const KEY = /(["']?)([\p{L}\p{N}_.-]+)\1\s*[:=]\s*/gu;
/**
 * A value: quoted, or running to a space, a quote, `,`, `;` or a closing bracket. Not to `&`: a password may hold
 * one, and redacting the rest of a query string costs less than leaking the end of a secret.
 */
const VALUE = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"',;)}\]]+/y;
const SCHEME_WORD = /^(Bearer|Basic)$/i;

/**
 * Redacts secrets from free text (error messages and stacks) before the bus logs or keeps it: values known to be
 * secret (those redacted from the event's payload), `Bearer`/`Basic` credentials, JWT-shaped strings, and the value
 * of every `key=value` or `key: value` pair whose key the key redactor calls secret. Text is never parsed, only
 * matched, so a secret in an unusual shape can still get through: keep secrets out of error messages.
 */
export class TextRedactor {
  constructor(private readonly keys: KeyRedactor) {}

  get marker(): string {
    return this.keys.marker;
  }

  /** `text` with the secrets found replaced by the marker; `known` are values known to be secret. */
  redact(text: string, known?: readonly string[]): string {
    const marker = this.keys.marker;
    let out = text;
    if (known !== undefined) {
      // Longest first, so a secret that contains another is replaced whole.
      for (const secret of [...known].sort((a, b) => b.length - a.length))
        out = out.split(secret).join(marker);
    }
    out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${marker}`);
    out = out.replace(JWT, marker);
    return this.redactPairs(out, marker);
  }

  /**
   * Replaces the value of each `key=value` / `key: value` pair whose key is secret. A key that is not secret
   * consumes only itself and its separator, so `reason: token=abc` still finds `token`.
   */
  private redactPairs(text: string, marker: string): string {
    let out = '';
    let copied = 0;
    KEY.lastIndex = 0;
    for (let found = KEY.exec(text); found !== null; found = KEY.exec(text)) {
      if (!this.keys.redacts(found[2])) continue;
      VALUE.lastIndex = KEY.lastIndex;
      const value = VALUE.exec(text)?.[0];
      // `Authorization: Bearer …`: the scheme stays, its credentials were redacted above.
      if (value === undefined || SCHEME_WORD.test(value)) continue;
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      const start = KEY.lastIndex + quote.length;
      KEY.lastIndex += value.length;
      // Already redacted (by a known value, say): leave it as it is.
      if (text.startsWith(marker, start)) continue;
      out += text.slice(copied, start) + marker;
      copied = KEY.lastIndex - quote.length;
    }
    return out + text.slice(copied);
  }
}
