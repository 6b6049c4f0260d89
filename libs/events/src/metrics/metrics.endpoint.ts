import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { errorMessage } from '../common/error-message';
import { EventMetrics } from './event-metrics';
import { METRICS_OPTIONS, type ResolvedMetricsOptions } from './metrics.options';

type HttpAdapter = NonNullable<HttpAdapterHost['httpAdapter']>;

/**
 * Serves `GET <metrics.endpoint>` when the option asks for it. The route goes straight onto the HTTP adapter
 * (Express or Fastify) at module init, so the path can come from `forRootAsync()`; being outside Nest's router,
 * it ignores the global prefix, guards and interceptors, as scrape endpoints usually should.
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit {
  private readonly logger = new Logger('EventMetrics');

  constructor(
    @Inject(METRICS_OPTIONS) private readonly options: false | ResolvedMetricsOptions,
    private readonly metrics: EventMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const options = this.options;
    if (!options || options.endpoint === false) return;
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) {
      this.logger.warn(
        `metrics.endpoint is "${options.endpoint}" but this app has no HTTP server; the metrics are not served.`,
      );
      return;
    }
    adapter.get(
      options.endpoint,
      (_request: unknown, response: unknown) => void this.serve(adapter, response),
    );
    this.logger.log(`Serving metrics at GET ${options.endpoint}`);
  }

  private async serve(adapter: HttpAdapter, response: unknown): Promise<void> {
    try {
      const body = await this.metrics.metrics();
      adapter.setHeader(response, 'Content-Type', this.metrics.contentType);
      adapter.setHeader(response, 'Cache-Control', 'no-store');
      adapter.reply(response, body, 200);
    } catch (error) {
      this.logger.error(`Collecting metrics failed: ${errorMessage(error)}`);
      adapter.setHeader(response, 'Content-Type', 'text/plain; charset=utf-8');
      adapter.reply(response, 'Collecting metrics failed; see the application log.', 500);
    }
  }
}
