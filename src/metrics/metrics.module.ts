import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DomainMetricsListener } from './domain-metrics.listener';
import { METRICS_REGISTRY } from './metrics.tokens';

/** The app's prom-client registry (the plugin registers its bus metrics in it too) and the domain metrics. */
@Global()
@Module({
  providers: [{ provide: METRICS_REGISTRY, useFactory: () => new Registry() }, DomainMetricsListener],
  exports: [METRICS_REGISTRY],
})
export class MetricsModule {}
