import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';

/**
 * The parts of a prom-client `Registry` the plugin uses. Any prom-client `Registry` fits; typed structurally so
 * that apps without prom-client installed still type-check.
 */
export interface MetricsRegistry {
  /** The content type of `metrics()` (Prometheus text or OpenMetrics). */
  readonly contentType: string;
  /** The exposition text of every metric in the registry. */
  metrics(): Promise<string>;
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
}

/** Options of the `metrics` module option. Metrics are off unless this is given (see docs/metrics.md). */
export interface MetricsOptions {
  /**
   * Serve the registry in Prometheus text format at this path (e.g. `/metrics`) on the app's HTTP server
   * (Express or Fastify). Default `false`: no route; read `EventMetrics.registry` yourself.
   */
  endpoint?: string | false;
  /** The prom-client `Registry` to register the metrics in; default a registry of this module's own. */
  registry?: MetricsRegistry;
  /** Put before every metric name, e.g. `orders_` gives `orders_events_emitted_total`; default none. */
  prefix?: string;
  /**
   * How many event types that no definition declares get a `type` label of their own; later ones are counted
   * as `type="other"`. Declared types always get their own label. Default 200.
   */
  maxTypes?: number;
  /** Histogram buckets of `events_handler_duration_seconds`, in seconds, increasing. */
  buckets?: number[];
}

/** `metrics` with its defaults applied. */
export interface ResolvedMetricsOptions {
  endpoint: string | false;
  registry: MetricsRegistry | undefined;
  prefix: string;
  maxTypes: number;
  buckets: readonly number[];
}

/** Handler durations from 0.5 ms to 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

const KNOWN_KEYS: readonly (keyof MetricsOptions)[] = [
  'endpoint',
  'registry',
  'prefix',
  'maxTypes',
  'buckets',
];
const METRIC_NAME_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;

/** Injection token of the resolved metrics options (`false` when metrics are off). */
export const METRICS_OPTIONS = Symbol('nestjs-event-bus:metrics-options');

/** Applies defaults to the `metrics` option and validates it; `undefined` and `false` both mean off. */
export function resolveMetricsOptions(value: unknown): ResolvedMetricsOptions | false {
  if (value === undefined || value === false) return false;
  if (!isRecord(value)) {
    throw new EventsConfigError(
      'metrics',
      'false or { endpoint?, registry?, prefix?, maxTypes?, buckets? }',
      value,
    );
  }
  rejectUnknownKeys('metrics', value, KNOWN_KEYS);
  const options = value as MetricsOptions;
  return {
    endpoint: checkEndpoint(options.endpoint),
    registry: checkRegistry(options.registry),
    prefix: checkPrefix(options.prefix),
    maxTypes: checkNumber('metrics.maxTypes', options.maxTypes, 200, { max: 100_000, integer: true }),
    buckets: checkBuckets(options.buckets),
  };
}

function checkEndpoint(endpoint: unknown): string | false {
  if (endpoint === undefined || endpoint === false) return false;
  if (typeof endpoint !== 'string' || endpoint.length > 200 || !PATH.test(endpoint) || endpoint === '/') {
    throw new EventsConfigError('metrics.endpoint', 'false or a path such as "/metrics"', endpoint);
  }
  return endpoint;
}

function checkRegistry(registry: unknown): MetricsRegistry | undefined {
  if (registry === undefined) return undefined;
  const candidate = registry as Partial<MetricsRegistry> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.metrics !== 'function' ||
    typeof candidate.registerMetric !== 'function' ||
    typeof candidate.removeSingleMetric !== 'function'
  ) {
    throw new EventsConfigError(
      'metrics.registry',
      "a prom-client Registry (new Registry() from 'prom-client')",
      registry,
    );
  }
  return candidate as MetricsRegistry;
}

function checkPrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '') return '';
  if (typeof prefix !== 'string' || prefix.length > 100 || !METRIC_NAME_PREFIX.test(prefix)) {
    throw new EventsConfigError(
      'metrics.prefix',
      'letters, digits, "_" and ":", not starting with a digit',
      prefix,
    );
  }
  return prefix;
}

function checkBuckets(buckets: unknown): readonly number[] {
  if (buckets === undefined) return DEFAULT_DURATION_BUCKETS;
  const valid =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.length <= 50 &&
    buckets.every(
      (b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > buckets[i - 1]),
    );
  if (!valid) {
    throw new EventsConfigError('metrics.buckets', '1 to 50 increasing numbers of seconds > 0', buckets);
  }
  return Object.freeze([...(buckets as number[])]);
}
