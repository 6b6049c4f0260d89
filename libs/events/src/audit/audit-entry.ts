import { errorMessage } from '../common/error-message';
import { CanonicalJsonError } from '../errors/canonical-json.error';
import type { BusEvent } from '../event/bus-event.interface';
import { envelopeColumns } from '../event/event-envelope';
import { canonicalJson, wellFormedString } from '../event/json/canonical-json';
import { setMember } from '../event/json/json-payload';
import type { AuditEntry } from './audit.interfaces';
import { sanitizeEntry } from './record-refusal';

/** An event as the entry a store is given, and what had to be changed to make it one. */
export interface MadeEntry {
  entry: AuditEntry;
  /** The payload was over `maxRecordBytes` and is stored as a `$truncated` marker. */
  truncated: boolean;
  /** Envelope columns whose text a store could not write, stored sanitised (`sanitizeEntry`). */
  sanitized: string[];
}

/** The envelope fields a record keeps, in its column order, between `eventId` and `data`. */
const AUDITED_FIELDS = [
  'type',
  'version',
  'timestamp',
  'correlationId',
  'causationId',
  'actorId',
  'source',
  'severity',
] as const;

/**
 * The audit entry of an event: its envelope columns (made writable when needed) and its payload's canonical JSON,
 * truncated with a marker when over `maxRecordBytes`. Never throws: a payload that has no canonical form is kept
 * as a marker rather than blocking the queue.
 */
export function makeAuditEntry(event: BusEvent, maxRecordBytes: number): MadeEntry {
  const data = dataText(event.data, maxRecordBytes);
  const { entry, changed } = sanitizeEntry({
    eventId: event.id,
    ...envelopeColumns(event, AUDITED_FIELDS),
    data: data.text,
  });
  return { entry, truncated: data.truncated, sanitized: changed };
}

/** The payload's canonical JSON, truncated with a marker when over `limit` bytes. */
function dataText(data: unknown, limit: number): { text: string; truncated: boolean } {
  let text: string;
  try {
    text = canonicalJson(data);
  } catch (error) {
    // Lone surrogates have no canonical form (and would not survive UTF-8 storage): store U+FFFD instead.
    // Anything else a frozen event payload cannot hold; kept as a marker rather than blocking the queue.
    try {
      if (!(error instanceof CanonicalJsonError)) throw error;
      text = canonicalJson(wellFormed(data));
    } catch (again) {
      text = canonicalJson({ $unserializable: wellFormedString(errorMessage(again)) });
    }
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short texts need no byte count.
  if (text.length * 3 <= limit) return { text, truncated: false };
  const bytes = Buffer.byteLength(text);
  if (bytes <= limit) return { text, truncated: false };
  const preview = wellFormedString(text.slice(0, Math.floor(limit / 4)));
  return { text: canonicalJson({ $truncated: { originalBytes: bytes, preview } }), truncated: true };
}

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedString(value);
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setMember(out, wellFormedString(key), wellFormed(item));
    return out;
  }
  return value;
}
