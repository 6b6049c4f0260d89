import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { OtelApi } from './otel.api';

/** A global provider that delegates: the API's proxy, which an SDK registers into. */
export interface DelegatingProvider extends TracerProvider {
  getDelegate(): TracerProvider;
}

/**
 * A tracer, and how to tell whether spans would be recorded anywhere: while `proxy` delegates to `noop` (no SDK
 * registered), the bus makes no span at all, at the cost of one call and one comparison per emit and attempt.
 */
export interface TracerSource {
  readonly tracer: Tracer;
  /** The global proxy provider; undefined when a provider was given (then always recording). */
  readonly proxy: DelegatingProvider | undefined;
  /** What the proxy delegates to while no SDK is registered. */
  readonly noop: TracerProvider | undefined;
}

/**
 * The tracer of `provider` when one is given, else of the global provider. The global provider is read once:
 * the API keeps one proxy that an SDK registers into, at any time, before or after this.
 */
export function tracerSource(api: OtelApi, name: string, provider?: TracerProvider): TracerSource {
  if (provider !== undefined) return { tracer: provider.getTracer(name), proxy: undefined, noop: undefined };
  const global = api.trace.getTracerProvider();
  const tracer = global.getTracer(name);
  if (typeof (global as Partial<DelegatingProvider>).getDelegate !== 'function') {
    return { tracer, proxy: undefined, noop: undefined };
  }
  return {
    tracer,
    proxy: global as DelegatingProvider,
    noop: new api.ProxyTracerProvider().getDelegate(),
  };
}
