import { EventsError } from './events.error';

/** Thrown when the metrics registry is read while metrics are off; the message says how to turn them on. */
export class MetricsDisabledError extends EventsError {
  constructor() {
    super(
      'Metrics are off, so there is no registry to read. Turn them on with EventsModule.forRoot({ metrics: {} }) ' +
        '(prom-client must be installed), or check EventMetrics.enabled first.',
    );
  }
}
