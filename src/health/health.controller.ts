import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { EventsHealthIndicator } from 'nestjs-event-bus';
import { Public } from '../auth/actor';
import { Database } from '../database/database';

/**
 * Readiness for probes and humans, through @nestjs/terminus: the event bus (backlog, dead-letter growth), the
 * audit store (reachable, writes succeeding) and the app's database. 200 when all are up, 503 otherwise.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly events: EventsHealthIndicator,
    @Inject(Database) private readonly database: Database,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.events.checkBus('events'),
      () => this.events.checkAudit('audit'),
      () => this.events.checkTransport('transport'),
      () => this.pingDatabase(),
    ]);
  }

  private async pingDatabase(): Promise<HealthIndicatorResult> {
    try {
      await this.database.one('SELECT 1 AS ok');
      return { database: { status: 'up', dialect: this.database.dialect } };
    } catch (error) {
      return { database: { status: 'down', message: (error as Error).message } };
    }
  }
}
