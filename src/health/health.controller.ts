import { Controller, Get } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';

/** Liveness for humans and probes: the bus is up and how much it has seen. */
@Controller('health')
export class HealthController {
  constructor(private readonly bus: EventBusService) {}

  @Get()
  health(): { status: 'ok'; events: { ready: boolean; emitted: number; listeners: number } } {
    const stats = this.bus.stats();
    return { status: 'ok', events: { ready: stats.ready, emitted: stats.emitted, listeners: stats.listeners } };
  }
}
