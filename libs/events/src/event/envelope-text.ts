import { EnvelopeTextError } from '../errors/envelope-text.error';

/**
 * The rules for the strings of an event's envelope, in one place: every path that puts a string into an envelope
 * (`emit()` options, `EventContext.setActor()`/`setCorrelationId()`/`run()`, the codec's `decodeEvent()`, the
 * correlation headers of a request or message) checks it here, and the audit writer sanitises with the same rule.
 *
 * - Envelope strings (correlation id, causation id, actor id, source) and metadata keys: 1 to 200 UTF-16 code
 *   units, no NUL, CR or LF, no lone surrogate. CR and LF would split a header or a log line; PostgreSQL text
 *   cannot hold NUL; a lone surrogate has no UTF-8 form and no canonical JSON (the audit chain could not hash it).
 *   Other characters stay allowed: the audit trail keeps them exactly.
 * - Ids taken from outside (a request header, a message): the stricter `sanitizeCorrelationId` rule, 1 to 128 of
 *   `[A-Za-z0-9._:-]`, so that an id echoed in a response header or quoted in a bug report is always plain text.
 */

/** The longest envelope string (correlation id, causation id, actor, source), in UTF-16 code units. */
export const MAX_ENVELOPE_TEXT_LENGTH = 200;

/** The longest correlation id accepted from outside (a header, a message). */
export const MAX_EXTERNAL_ID_LENGTH = 128;

const TEXT_LENGTH = `must be a non-empty string of at most ${MAX_ENVELOPE_TEXT_LENGTH} characters`;
/** NUL, CR, LF and surrogate halves: the characters an envelope string is checked for. */
const SUSPECT_CHARACTER = /[\u0000\n\r\ud800-\udfff]/;
const BREAKING_CHARACTER = /[\u0000\n\r]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNWRITABLE = /[\u0000\n\r]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SAFE_EXTERNAL_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_EXTERNAL_ID_LENGTH}}$`);

/** What `sanitizeEnvelopeText` puts in place of a character a store cannot write. */
export const REPLACEMENT_CHARACTER = '\ufffd';

/**
 * Why `value` cannot be an envelope string (correlation id, causation id, actor id, source) or a metadata key, or
 * undefined when it can (see the rules above). The text never repeats the value, which may come from outside.
 */
export function envelopeTextProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ENVELOPE_TEXT_LENGTH) {
    return TEXT_LENGTH;
  }
  if (!SUSPECT_CHARACTER.test(value)) return undefined;
  if (BREAKING_CHARACTER.test(value)) return 'must not contain NUL, CR or LF';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/**
 * The documented sanitising, for records that reach a store without passing a check (an event changed by
 * middleware, an `AuditStore` fed directly): NUL, CR, LF and lone surrogates become U+FFFD, an empty string becomes
 * one U+FFFD, and a string over 200 code units is cut to 199 and ends with U+2026 (…). A valid string comes back as
 * it is (the same string).
 */
export function sanitizeEnvelopeText(value: string): string {
  if (envelopeTextProblem(value) === undefined) return value;
  if (value.length === 0) return REPLACEMENT_CHARACTER;
  let text = value.replace(UNWRITABLE, REPLACEMENT_CHARACTER);
  if (text.length > MAX_ENVELOPE_TEXT_LENGTH) {
    // Never cut between the halves of a pair: a lone high surrogate would be unwritable again.
    let end = MAX_ENVELOPE_TEXT_LENGTH - 1;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    text = text.slice(0, end) + '\u2026';
  }
  return text;
}

/**
 * Returns `value` when it is safe to use as a correlation id taken from outside (a header, a message): a string
 * of 1 to 128 characters from `[A-Za-z0-9._:-]`. Anything else (too long, empty, control characters, CR/LF,
 * spaces, non-ASCII, not a string) gives `undefined`, so the caller generates an id instead of echoing it.
 */
export function sanitizeCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_EXTERNAL_ID.test(value) ? value : undefined;
}

/** Where a context value was set, for the error message. */
type ContextSetter = 'EventContext.setActor()' | 'EventContext.setCorrelationId()' | 'EventContext.run()';

/**
 * Checks a value an app puts into the correlation context (and from there into every event emitted in it); throws
 * `EnvelopeTextError` naming the method and the field, never the value.
 */
export function checkContextText(
  where: ContextSetter,
  field: 'actorId' | 'correlationId',
  value: unknown,
): void {
  const problem = envelopeTextProblem(value);
  if (problem === undefined) return;
  const hint =
    field === 'actorId'
      ? 'Pass the id of the authenticated user (or a service name), not raw input from the request.'
      : 'Pass an id the app made or checked; for ids from a client use sanitizeCorrelationId(), which keeps only ' +
        `1-${MAX_EXTERNAL_ID_LENGTH} characters of [A-Za-z0-9._:-].`;
  throw new EnvelopeTextError(field, `${where}: ${field} ${problem}. ${hint}`);
}

/**
 * Why the top-level keys of an event's metadata cannot be kept, or undefined: each key follows the envelope string
 * rule (a transport may carry them as header names). Reports the first bad key by its position, never its text.
 */
export function metadataKeysProblem(metadata: object): string | undefined {
  const keys = Object.keys(metadata);
  for (let i = 0; i < keys.length; i++) {
    const problem = envelopeTextProblem(keys[i]);
    if (problem !== undefined) return `key number ${i + 1} ${problem}`;
  }
  return undefined;
}
