import type { EventDefinition } from '../event/event-definition';
import type { JsonSchema } from './asyncapi.document';

/** The Standard JSON Schema interface (`~standard.jsonSchema`), as schema libraries that offer it implement it. */
interface StandardJsonSchema {
  output(options: { target: string }): Record<string, unknown>;
}

/** A payload schema, or why there is none. */
export type PayloadSchema = { schema: JsonSchema } | { schema: JsonSchema; warning: string };

/**
 * The JSON Schema of a definition's payload, from its schema library's Standard JSON Schema (zod >= 4.2, ArkType
 * >= 2.1.28, valibot through its adapter): Draft 07, which AsyncAPI's schema format extends. `{}` (any payload)
 * with a warning when the definition has no schema, or its library cannot express it.
 */
export function payloadSchemaOf(definition: EventDefinition<unknown, unknown>): PayloadSchema {
  const standard = definition.schema?.['~standard'] as { jsonSchema?: StandardJsonSchema } | undefined;
  if (standard === undefined) {
    return { schema: {}, warning: 'no runtime schema (a TypeScript type only): payload documented as {}' };
  }
  if (typeof standard.jsonSchema?.output !== 'function') {
    return {
      schema: {},
      warning:
        'its schema library offers no Standard JSON Schema (~standard.jsonSchema): payload documented as {}',
    };
  }
  try {
    const { $schema: _dialect, ...schema } = standard.jsonSchema.output({ target: 'draft-07' });
    return { schema };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      schema: {},
      warning: `its schema cannot be written as JSON Schema (${reason}): payload documented as {}`,
    };
  }
}
