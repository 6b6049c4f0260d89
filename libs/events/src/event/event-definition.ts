import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { EventSeverity } from './bus-event.interface';
import { versionProblem } from './event-envelope';
import { explainEventType } from './event-type';

/** A typed description of one event type; create it with `defineEvent()`. */
export interface EventDefinition<TData = unknown, TInput = TData> {
  readonly type: string;
  /** Payload schema version stamped on each event; default 1. */
  readonly version: number;
  /** Any Standard Schema (zod, valibot, arktype...) the payload must pass; its output becomes `event.data`. */
  readonly schema?: StandardSchemaV1<TInput, TData>;
  /** Whether the audit trail records events of this type. */
  readonly audit: boolean;
  readonly description?: string;
  /** Default severity for events of this type; default `info`. */
  readonly severity?: EventSeverity;
  /**
   * Whether events of this type leave the process through the module's transport, to every service that
   * handles them. Without a remote transport it changes nothing.
   */
  readonly distributed: boolean;
  /** Type-level only: never set at runtime. */
  readonly __payload?: { input: TInput; output: TData };
}

/** Options for `defineEvent()`. */
export interface EventDefinitionOptions<TSchema extends StandardSchemaV1 | undefined = undefined> {
  version?: number;
  schema?: TSchema;
  audit?: boolean;
  description?: string;
  severity?: EventSeverity;
  /** Publish events of this type through the module's transport (see `EventsModule.forRoot({ transport })`). */
  distributed?: boolean;
}

/** The payload type a definition's events carry (`event.data`). */
export type EventData<D> = D extends EventDefinition<infer T, unknown> ? T : unknown;
/** The payload type `emit()` accepts for a definition (the schema's input). */
export type EventInput<D> = D extends EventDefinition<unknown, infer I> ? I : unknown;

/**
 * Declares an event type. With a Standard Schema the payload type is inferred from it and every emitted payload
 * is validated; without one, give the payload type as a type parameter.
 *
 * @example
 * const UserCreated = defineEvent('user.created', { schema: z.object({ id: z.string() }), audit: true });
 * const Ping = defineEvent<{ at: number }>('system.ping');
 */
export function defineEvent<TSchema extends StandardSchemaV1>(
  type: string,
  options: EventDefinitionOptions<TSchema> & { schema: TSchema },
): EventDefinition<StandardSchemaV1.InferOutput<TSchema>, StandardSchemaV1.InferInput<TSchema>>;
export function defineEvent<TData = void>(
  type: string,
  options?: EventDefinitionOptions<undefined>,
): EventDefinition<TData, TData>;
export function defineEvent(
  type: string,
  options: EventDefinitionOptions<StandardSchemaV1 | undefined> = {},
): EventDefinition<unknown, unknown> {
  const problem = explainEventType(type);
  if (problem) throw new TypeError(`defineEvent(): ${problem}.`);
  const version = options.version ?? 1;
  if (versionProblem(version) !== undefined) {
    throw new TypeError(`defineEvent("${type}"): version must be a positive integer, received ${version}.`);
  }
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') {
    throw new TypeError(
      `defineEvent("${type}"): schema must implement Standard Schema (zod >= 3.24, valibot >= 1, arktype >= 2...).`,
    );
  }
  return Object.freeze({
    type,
    version,
    schema,
    audit: options.audit ?? false,
    description: options.description,
    severity: options.severity,
    distributed: options.distributed === true,
  });
}

/** True when `value` looks like an `EventDefinition`. */
export function isEventDefinition(value: unknown): value is EventDefinition<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EventDefinition).type === 'string' &&
    typeof (value as EventDefinition).version === 'number'
  );
}
