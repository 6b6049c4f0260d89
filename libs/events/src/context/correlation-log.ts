/** The structured field a plugin log line carries. */
export interface CorrelationLogParams {
  correlationId: string;
}

const NONE: readonly [] = Object.freeze([]) as readonly [];

/**
 * Extra arguments for a Nest `Logger` call so that the line carries `correlationId`: spread them after the
 * message, `logger.error(message, ...correlationLog(event.correlationId))`. Nest's `ConsoleLogger` prints a
 * plain-object argument as structured params: `"params":{"correlationId":"..."}` in JSON mode (top-level with
 * `flattenParams: true`), `{ correlationId: '...' }` after the message in text mode. Without an id, nothing is
 * added, so the call logs exactly as before.
 */
export function correlationLog(
  correlationId: string | undefined,
): readonly [] | readonly [CorrelationLogParams] {
  return correlationId === undefined ? NONE : [{ correlationId }];
}
