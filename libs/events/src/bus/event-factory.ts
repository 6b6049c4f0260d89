import {
  ACTOR_ID_KEY,
  CAUSATION_ID_KEY,
  CORRELATION_ID_KEY,
  type EventContextStore,
} from '../context/context.keys';
import { EventBusClosedError } from '../errors/event-bus-closed.error';
import { EventValidationError } from '../errors/event-validation.error';
import type { BusEvent } from '../event/bus-event.interface';
import { checkEnvelopeOptions, metadataProblem } from '../event/event-envelope';
import { CoarseClock } from '../event/coarse-clock';
import { EventIdGenerator } from '../event/event-id.generator';
import { PayloadCopier } from '../event/json/payload-copier';
import { normalizePayload } from '../event/json/json-payload';
import { KeyRedactor, type ResolvedRedaction } from '../event/key-redactor';
import { TextRedactor } from '../event/text-redactor';
import { errorParts, type ErrorParts } from '../common/error-message';
import type { EmitOptions } from './bus.interfaces';
import { CausationDepthLimit, DEFAULT_MAX_CAUSATION_DEPTH } from './causation-depth';
import type { Route } from './route-table';

/** A built event and its estimated heap bytes (for the history's bound). */
export interface BuiltEvent {
  readonly event: BusEvent;
  readonly size: number;
}

type Issues = readonly { message: string; path?: readonly unknown[] }[];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});
/** The event object and its id and timestamp strings, beyond payload and metadata. */
const ENVELOPE_BYTES = 320;
/** The `causationDepth` member of an event emitted in a handler. */
const DEPTH_BYTES = 48;

/**
 * The first stage of the pipeline: validates a payload against its definition's schema, copies it into frozen
 * plain JSON (secret keys redacted), and builds the immutable event around it with a new id, the time, and the
 * correlation, causation and actor ids of the emitter's context.
 */
export class EventFactory {
  private readonly ids = new EventIdGenerator();
  private readonly clock = new CoarseClock();
  private readonly redactor: KeyRedactor | undefined;
  private readonly text: TextRedactor | undefined;
  /** The original values of the keys redacted from each event's payload and metadata (for `describeFailure`). */
  private readonly secretValues = new WeakMap<BusEvent, readonly string[]>();
  /** Heap bytes of what `copyPayload`/`copyMetadata` copied last, read right after by `create`. */
  private copied = 0;
  /** How deep a chain of handlers emitting events may go. */
  readonly depth: CausationDepthLimit;
  private closed = false;

  constructor(
    private readonly source: string,
    redaction: ResolvedRedaction,
    maxCausationDepth = DEFAULT_MAX_CAUSATION_DEPTH,
  ) {
    this.redactor = redaction ? new KeyRedactor(redaction.keys, redaction.marker) : undefined;
    this.text = this.redactor && new TextRedactor(this.redactor);
    this.depth = new CausationDepthLimit(maxCausationDepth);
  }

  /** From now on every `create()` throws `EventBusClosedError`: the bus is closed. */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Runs the bus's own announcement (`event.handler.failed`, `event.publish.failed`): skipped once the bus is
   * closed, and never refused for causation depth, even when the failure it announces was a refused emit.
   */
  announcing(emit: () => void): void {
    if (this.closed) return;
    this.depth.capNextEmit();
    try {
      emit();
    } finally {
      this.depth.clearCap();
    }
  }

  /** A new unique, time-ordered id and its ISO time, for records the bus makes itself (dead letters). */
  stamp(): { id: string; at: string } {
    const id = this.ids.next();
    return { id, at: this.ids.timestamp() };
  }

  /**
   * What dead letters, logs and `event.handler.failed` keep of a handler's failure on `event`: its name, message
   * and stack read once (never throwing), with secrets redacted from the texts (the values redacted from the
   * event, bearer credentials, JWTs, `key=value` pairs of secret keys). Unredacted when redaction is off.
   */
  describeFailure(thrown: unknown, event: BusEvent): ErrorParts {
    const parts = errorParts(thrown);
    if (this.text === undefined) return parts;
    const known = this.secretValues.get(event);
    const message = this.text.redact(parts.message, known);
    if (parts.stack === undefined) return { name: parts.name, message };
    return { name: parts.name, message, stack: this.text.redact(parts.stack, known) };
  }

  /** Free text (an error message the bus reports) with secrets redacted, as `describeFailure` does. */
  redactText(text: string): string {
    return this.text === undefined ? text : this.text.redact(text);
  }

  /** The schema's output for `data`; throws `EventValidationError`, or when the schema is async. */
  validateSync(route: Route, data: unknown): unknown {
    if (route.definition?.schema === undefined) return data;
    const result = this.validate(route, data);
    if (!(result instanceof Promise)) return result;
    result.catch(() => undefined);
    throw new EventValidationError(
      route.type,
      [{ path: '', message: 'the schema validates asynchronously' }],
      'Use emitAsync() for definitions with async schemas.',
    );
  }

  /** The schema's output for `data`: a value when the schema is synchronous, a promise when it is not. */
  validate(route: Route, data: unknown): unknown {
    const schema = route.definition?.schema;
    if (schema === undefined) return data;
    const result = schema['~standard'].validate(data);
    if (result instanceof Promise) return result.then((settled) => schemaOutput(route.type, settled));
    return schemaOutput(route.type, result);
  }

  /**
   * Builds the event. `coarse`: the time may come from a clock read shared by the current synchronous run
   * (`emit()`); otherwise it is read now.
   */
  create(
    route: Route,
    data: unknown,
    options: EmitOptions | undefined,
    store: EventContextStore | null,
    coarse: boolean,
  ): BuiltEvent {
    if (this.closed) throw new EventBusClosedError(route.type);
    const depth = this.depth.next(route.type, store);
    // Values collected by an earlier create() that threw are not this event's.
    if (this.redactor?.collected !== undefined) this.redactor.collected = undefined;
    let payload: unknown = null;
    let size = ENVELOPE_BYTES;
    if (data !== undefined) {
      payload = this.copyPayload(route, data);
      size += this.copied;
    }
    let metadata = EMPTY_METADATA;
    if (options?.metadata !== undefined) {
      metadata = this.copyMetadata(route.type, options.metadata);
      size += this.copied;
    }
    if (depth > 0) {
      metadata = this.depth.withDepth(metadata, depth);
      size += DEPTH_BYTES;
    }
    const id = this.ids.next(coarse ? this.clock.read() : Date.now());
    const definition = route.definition;
    const event: Mutable<BusEvent> = {
      id,
      type: route.type,
      version: definition?.version ?? 1,
      data: payload,
      timestamp: this.ids.timestamp(),
      correlationId: options?.correlationId ?? store?.[CORRELATION_ID_KEY] ?? id,
      source: options?.source ?? this.source,
      severity: options?.severity ?? definition?.severity ?? 'info',
      metadata,
    };
    const causationId = options?.causationId ?? store?.[CAUSATION_ID_KEY];
    if (causationId !== undefined) event.causationId = causationId;
    const actorId = options?.actorId ?? store?.[ACTOR_ID_KEY];
    if (actorId !== undefined) event.actorId = actorId;
    if (options !== undefined) checkEnvelopeOptions(route.type, event);
    const frozen = Object.freeze(event);
    if (this.redactor?.collected !== undefined) {
      this.secretValues.set(frozen, [...new Set(this.redactor.takeCollected())]);
    }
    return { event: frozen, size };
  }

  /** The payload as frozen plain JSON: through the route's compiled copier when it has the payload's shape. */
  private copyPayload(route: Route, data: unknown): unknown {
    let copier = route.copier;
    if (copier === undefined && typeof data === 'object' && data !== null) {
      copier = route.copier = PayloadCopier.forShape(data, this.redactor) ?? null;
    }
    if (copier && typeof data === 'object' && data !== null) {
      const copy = copyWith(copier, data);
      if (copy !== undefined) {
        this.copied = copier.size;
        return copy;
      }
    }
    const normalized = normalizePayload(data, this.redactor);
    if (normalized.issues) throw new EventValidationError(route.type, normalized.issues);
    this.copied = normalized.size;
    return normalized.value;
  }

  private copyMetadata(type: string, metadata: Record<string, unknown>): Record<string, unknown> {
    const normalized = normalizePayload(metadata, this.redactor);
    const keys = normalized.issues ? undefined : metadataProblem(normalized.value);
    if (keys !== undefined) throw new EventValidationError(type, [{ path: 'metadata', message: keys }]);
    if (normalized.issues) {
      throw new EventValidationError(
        type,
        normalized.issues.map((issue) => ({ ...issue, path: `metadata.${issue.path}` })),
      );
    }
    this.copied = normalized.size;
    return normalized.value as Record<string, unknown>;
  }
}

/** A copier's copy; undefined when a getter of the payload throws, so that the walker reports it as a bad payload. */
function copyWith(copier: PayloadCopier, data: object): object | undefined {
  try {
    return copier.copied(data);
  } catch {
    return undefined;
  }
}

function schemaOutput(type: string, result: { value?: unknown; issues?: Issues }): unknown {
  if (!result.issues) return result.value;
  throw new EventValidationError(
    type,
    result.issues.map((issue) => ({
      path: (issue.path ?? [])
        .map((p) => (typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p)))
        .join('.'),
      message: issue.message,
    })),
  );
}
