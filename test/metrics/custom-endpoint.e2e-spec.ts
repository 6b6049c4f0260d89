import {
  Controller,
  Get,
  StreamableFile,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { EventBusService, EventMetrics, EventsModule } from 'nestjs-event-bus';
import { PLATFORMS, startApp, type RunningApp } from './support/start-app';

/** Lets through only requests that say they come from inside (a stand-in for a network check). */
class InternalNetworkGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>();
    return request.headers['x-internal'] === 'yes';
  }
}

/** The controller docs/metrics.md shows for serving the metrics behind a guard, on Express and Fastify alike. */
@Controller()
class MetricsController {
  constructor(private readonly metrics: EventMetrics) {}

  @Get('internal/metrics')
  @UseGuards(InternalNetworkGuard)
  async scrape(): Promise<StreamableFile> {
    return new StreamableFile(Buffer.from(await this.metrics.metrics()), { type: this.metrics.contentType });
  }
}

describe.each(PLATFORMS)('metrics served by a controller of the app (%s)', (platform) => {
  let running: RunningApp;

  beforeEach(async () => {
    running = await startApp(platform, {
      imports: [EventsModule.forRoot({ metrics: {} })],
      controllers: [MetricsController],
    });
  });
  afterEach(() => running.app.close());

  it('answers with the Prometheus text and its content type, behind the guard', async () => {
    running.app.get(EventBusService).emit('order.placed', { sku: 'a' });
    const url = `${running.url}/internal/metrics`;

    expect((await fetch(url)).status).toBe(403);
    const response = await fetch(url, { headers: { 'x-internal': 'yes' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(running.app.get(EventMetrics).contentType);
    expect(await response.text()).toContain('events_emitted_total{type="order.placed"} 1');
  });
});
