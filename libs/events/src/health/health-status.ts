/** Indicator results by name, as terminus keys them. */
type Indicators = Partial<Record<string, { status: string }>>;

/** A health check result in the shape `@nestjs/terminus` returns (and its 503 carries). */
export interface HealthResultLike {
  status: string;
  info?: Indicators;
  error?: Indicators;
  details?: Indicators;
}

/**
 * A health result reduced to statuses (`{ status, info: { events: { status: 'up' } }, ... }`), for an endpoint
 * anyone may call: indicator details and error messages (counts, handler names, a database's host and port, raw
 * driver errors) stay on an endpoint behind a guard. The shape stays terminus's, so probes read it as before.
 */
export function healthStatusOnly(result: HealthResultLike): HealthResultLike {
  const out: HealthResultLike = { status: result.status };
  for (const part of ['info', 'error', 'details'] as const) {
    const indicators = result[part];
    if (indicators === undefined) continue;
    const statuses: Indicators = {};
    for (const [key, value] of Object.entries(indicators)) {
      Object.defineProperty(statuses, key, {
        value: { status: String(value?.status) },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out[part] = statuses;
  }
  return out;
}
