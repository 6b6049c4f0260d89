import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { EventsHealthIndicator, healthStatusOnly } from 'nestjs-event-bus';
import { AdminOnly, Public } from '../auth/actor';
import { DataSource } from 'typeorm';
import { dialectOf } from '../database/database.options';

/**
 * Readiness for probes and humans, through @nestjs/terminus: the event bus (backlog, dead-letter growth), the
 * audit store (reachable, writes succeeding), the transport, the outbox (readable, its oldest row waiting under a
 * minute: committed events are being delivered) and the app's database. 200 when all are up, 503 otherwise.
 *
 * `GET /health` is public and says only up or down, per part: details (counts, handler names, a database's
 * address, raw driver errors) would tell an anonymous caller about the app's insides. They are at
 * `GET /health/details`, for administrators.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly events: EventsHealthIndicator,
    private readonly dataSource: DataSource,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  async check(): Promise<HealthCheckResult> {
    try {
      return healthStatusOnly(await this.checkAll()) as HealthCheckResult;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException(healthStatusOnly(error.getResponse() as HealthCheckResult));
    }
  }

  @AdminOnly()
  @Get('details')
  @HealthCheck()
  details(): Promise<HealthCheckResult> {
    return this.checkAll();
  }

  private checkAll(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.events.checkBus('events'),
      () => this.events.checkAudit('audit'),
      () => this.events.checkTransport('transport'),
      () => this.events.checkOutbox('outbox'),
      () => this.pingDatabase(),
    ]);
  }

  private async pingDatabase(): Promise<HealthIndicatorResult> {
    try {
      await this.dataSource.query('SELECT 1 AS ok');
      return { database: { status: 'up', dialect: dialectOf(this.dataSource) } };
    } catch (error) {
      return { database: { status: 'down', message: (error as Error).message } };
    }
  }
}
