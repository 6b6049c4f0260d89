import { BadRequestException, Body, Query, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** One problem with a request body: where (dotted path) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * Validates and parses a request body (or query) with a zod schema; a failure is a 400 listing every issue,
 * e.g. `{ message: 'Invalid request body', issues: [{ path: 'email', message: 'Invalid email address' }] }`.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const issues: InputIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    }));
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: `Invalid ${this.what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    });
  }
}

/**
 * `@Body()` validated by `schema` (a 400 listing every issue), with the schema also attached to the parameter so
 * the OpenAPI document at /docs shows the body's shape.
 */
export function ZodBody(schema: z.ZodType): ParameterDecorator {
  return Body({ schema, pipes: [new ZodPipe(schema)] });
}

/** `@Query()` validated and coerced by `schema`, described in the OpenAPI document like `ZodBody`. */
export function ZodQuery(schema: z.ZodType): ParameterDecorator {
  return Query({ schema, pipes: [new ZodPipe(schema, 'query')] });
}
