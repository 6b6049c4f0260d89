import { Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventsModule } from 'nestjs-event-bus';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AuditLogModule } from './audit-log/audit-log.module';
import { Public } from './auth/actor';
import { AuthModule } from './auth/auth.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { APP_CONFIG, type AppConfig } from './config/app.config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { eventsOptions, type AppRole } from './events/events-options.factory';
import { HealthModule } from './health/health.module';
import { InvitesModule } from './invites/invites.module';
import { MetricsModule } from './metrics/metrics.module';
import { METRICS_REGISTRY } from './metrics/metrics.tokens';
import { NotificationsListenersModule, NotificationsModule } from './notifications/notifications.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { LeaderboardModule, TournamentsModule } from './tournaments/tournaments.module';
import { TraceAccessGuard } from './trace/trace-access.guard';
import { TraceModule } from './trace/trace.module';
import { UsersModule } from './users/users.module';

/** The event bus of a process playing `role`. */
function events(role: AppRole) {
  return EventsModule.forRootAsync({
    imports: [ConfigModule, MetricsModule],
    // The DataSource first: the outbox's tables go into the app's database once it is open and migrated (on
    // PostgreSQL, its schema made), so starting instances never race the migrations for it.
    inject: [APP_CONFIG, METRICS_REGISTRY, DataSource],
    useFactory: (config: AppConfig, registry: Registry, _database: DataSource) =>
      eventsOptions(config, registry, role),
    // GET /events/trace/:correlationId (the story, for its opener and administrators) and its timeline page
    // (`.../page`, public: it holds no data and asks for a token to read the story). The worker serves no HTTP.
    traceController:
      role === 'worker' ? undefined : { guard: TraceAccessGuard, page: { decorators: [Public()] } },
    // GET /events/asyncapi.json: this service's AsyncAPI document, for any logged-in user.
    asyncapi: role === 'worker' ? undefined : { info: { title: 'Example app', version: '1.0.0' } },
  });
}

/** The HTTP API: users, organizations, invites, tournaments, audit, trace, health. */
function api(role: AppRole): ModuleMetadata {
  return {
    imports: [
      ConfigModule,
      MetricsModule,
      events(role),
      CqrsModule.forRoot(),
      DatabaseModule,
      AuthModule,
      UsersModule,
      OrganizationsModule,
      InvitesModule,
      TournamentsModule,
      NotificationsModule,
      AuditLogModule,
      TraceModule,
      HealthModule,
    ],
    providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
  };
}

/** The reactions that the worker takes over when the app runs as two processes: emails and leaderboards. */
const REACTIONS = [NotificationsListenersModule, LeaderboardModule];

/** The whole example app in one process, events in memory (`npm start` without `REDIS_URL`). */
@Module({ ...api('all'), imports: [...api('all').imports!, ...REACTIONS] })
export class AppModule {}

/** The API process when the app runs as two (`REDIS_URL` set): its events reach the worker over Redis. */
@Module(api('api'))
export class ApiModule {}

/** The worker process (`npm run start:worker`): sends emails and keeps leaderboards, from events over Redis. */
@Module({ imports: [ConfigModule, MetricsModule, events('worker'), DatabaseModule, ...REACTIONS] })
export class WorkerModule {}
