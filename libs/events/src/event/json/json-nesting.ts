/**
 * How deep a JSON value may nest, in objects and arrays, the outermost one counted. One limit for every walker
 * (payload copy, bridge conversion, canonical form), so a value one of them accepts, the others accept too.
 */
export const MAX_JSON_DEPTH = 64;

/** A walker's text for a value nested deeper than `MAX_JSON_DEPTH`. */
export const TOO_DEEP = `nested deeper than ${MAX_JSON_DEPTH} levels`;

/** A walker's text for an object found inside itself. */
export const CIRCULAR = 'circular reference';

/**
 * Why a walker must not enter `value`, an object found inside `ancestors` (the objects it is in, outermost
 * first): `CIRCULAR` when it is one of them, `TOO_DEEP` when there are already `MAX_JSON_DEPTH` of them;
 * undefined when it may.
 */
export function nestingProblem(value: object, ancestors: readonly object[]): string | undefined {
  if (ancestors.includes(value)) return CIRCULAR;
  if (ancestors.length >= MAX_JSON_DEPTH) return TOO_DEEP;
  return undefined;
}
