import { defineEvent } from '../event/event-definition';

/** What every request event says about the request: never its body, headers or query string. */
export interface HttpRequestInfo {
  /** `GET`, `POST`... */
  method: string;
  /** The matched route pattern, e.g. `/users/:id` (not the concrete URL). */
  route: string;
}

/**
 * What `http.request.completed` and `http.request.failed` say: the request, its status and how long it took, from
 * its arrival at the correlation middleware until its response closed.
 */
export type FinishedHttpRequest = HttpRequestInfo & { statusCode: number; durationMs: number };

/**
 * A request was routed: emitted before the route's own guards, pipes and handler run. Off by default; turned on
 * with `correlation.httpEvents: { started: true }`.
 */
export const HttpRequestStarted = defineEvent<HttpRequestInfo>('http.request.started', {
  severity: 'debug',
  description:
    'An HTTP request matched a route and is about to be handled (only with correlation.httpEvents.started).',
});

/** A request's response was sent with a status below 400. */
export const HttpRequestCompleted = defineEvent<FinishedHttpRequest>('http.request.completed', {
  description:
    'An HTTP request was answered with a status below 400; durationMs runs from its arrival to the end.',
});

/**
 * A request was answered with a status of 400 or more (a thrown HttpException, a plain error as 500, a guard's
 * 403...), or the client went away before the response was complete (severity `error`, like any 5xx).
 */
export const HttpRequestFailed = defineEvent<FinishedHttpRequest>('http.request.failed', {
  severity: 'warning',
  description: 'An HTTP request was answered with a status of 400 or more, or aborted by the client.',
});

/** The request events, for `register()` and strict mode. */
export const HTTP_REQUEST_DEFINITIONS = [
  HttpRequestStarted,
  HttpRequestCompleted,
  HttpRequestFailed,
] as const;
