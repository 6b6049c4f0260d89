/**
 * A request as the HTTP platform hands it over: Express gives the Node request, with `route` once its router has
 * matched one; Fastify gives its own request object, which knows its route (`routeOptions`) before the first hook.
 */
export interface PlatformRequest {
  /** Fastify's: the Node request it wraps. */
  readonly raw?: object;
  readonly method?: string;
  readonly route?: { readonly path?: unknown };
  readonly routeOptions?: { readonly url?: unknown };
}

/**
 * The route pattern a request matched (`/users/:id`, never the concrete URL or its query string), `(unknown)` for a
 * pattern that is not a string, or `undefined` when the request matched no route.
 */
export function routePattern(request: PlatformRequest): string | undefined {
  // `in`, then one read: Fastify's `routeOptions` is a getter that builds a new object each time.
  return 'routeOptions' in request ? fastifyRoutePattern(request) : expressRoutePattern(request);
}

/** `routePattern()` of a request known to be Express's (no look for Fastify's fields on it). */
export function expressRoutePattern(request: PlatformRequest): string | undefined {
  return patternText(request.route?.path);
}

/** `routePattern()` of a request known to be Fastify's. */
export function fastifyRoutePattern(request: PlatformRequest): string | undefined {
  return patternText(request.routeOptions?.url);
}

function patternText(pattern: unknown): string | undefined {
  if (pattern === undefined) return undefined;
  return typeof pattern === 'string' ? pattern : '(unknown)';
}
