import type { AuditRow } from './audit.interfaces';
import { canonicalNumber, flattened, needsEscaping } from '../event/json/canonical-json';

/**
 * Writes the canonical JSON of a batch's rows whose strings need no escaping, for `chainEntries()`.
 *
 * A batch repeats most values: actor and causation, severity and source, type and version, and often the
 * correlation id and timestamp. Each repeated value is scanned once, and the three pairs are kept as flat pieces
 * together with the member names around them. A record's text is then a rope of 14 pieces rather than 27. sha256
 * needs the text flat, and V8's flattening costs by the piece (figures in docs/benchmarks.md).
 *
 * One instance per batch: it remembers values only while they repeat. It does not scan `prevHash`: the caller
 * only hands it rows whose link is a hex digest.
 */
export class PlainRowTexts {
  private readonly head = new Piece();
  private readonly middle = new Piece();
  private readonly tail = new Piece();
  private correlationId: string | undefined;
  private timestamp: string | undefined;

  /** The row's canonical JSON, or undefined when one of its strings needs escaping (`canonicalRow()` then). */
  textOf(row: AuditRow): string | undefined {
    if (needsEscaping(row.eventId)) return undefined;
    if (row.correlationId !== this.correlationId) {
      if (needsEscaping(row.correlationId)) return undefined;
      this.correlationId = row.correlationId;
    }
    if (row.timestamp !== this.timestamp) {
      if (needsEscaping(row.timestamp)) return undefined;
      this.timestamp = row.timestamp;
    }
    const head = this.head.of(row.actorId, row.causationId, headPiece);
    const middle = head && this.middle.of(row.severity, row.source, middlePiece);
    const tail = middle && this.tail.of(row.type, row.version, tailPiece);
    if (tail === undefined) return undefined;
    return (
      head +
      row.correlationId +
      '","data":' +
      row.data +
      ',"eventId":"' +
      row.eventId +
      '","prevHash":"' +
      row.prevHash +
      '","seq":' +
      canonicalNumber(row.seq) +
      middle +
      row.timestamp +
      tail
    );
  }
}

/** A flat piece of text made from two values, kept while they repeat. */
class Piece {
  private first: unknown = NONE;
  private second: unknown = NONE;
  private text: string | undefined;

  /** The piece for these values, or undefined when one of them needs escaping. */
  of<A, B>(first: A, second: B, make: (first: A, second: B) => string | undefined): string | undefined {
    if (first === this.first && second === this.second) return this.text;
    const text = make(first, second);
    if (text === undefined) return undefined;
    this.first = first;
    this.second = second;
    return (this.text = flattened(text));
  }
}

const NONE = Symbol('none');

/** `{"actorId":…,"causationId":…,"correlationId":"` */
function headPiece(actorId: string | null, causationId: string | null): string | undefined {
  if ((actorId !== null && needsEscaping(actorId)) || (causationId !== null && needsEscaping(causationId))) {
    return undefined;
  }
  return (
    '{"actorId":' +
    (actorId === null ? 'null' : '"' + actorId + '"') +
    ',"causationId":' +
    (causationId === null ? 'null' : '"' + causationId + '"') +
    ',"correlationId":"'
  );
}

/** `,"severity":"…","source":"…","timestamp":"` */
function middlePiece(severity: string, source: string): string | undefined {
  if (needsEscaping(severity) || needsEscaping(source)) return undefined;
  return ',"severity":"' + severity + '","source":"' + source + '","timestamp":"';
}

/** `","type":"…","version":…}` */
function tailPiece(type: string, version: number): string | undefined {
  if (needsEscaping(type)) return undefined;
  return '","type":"' + type + '","version":' + canonicalNumber(version) + '}';
}
