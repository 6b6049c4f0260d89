import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { EventsModule } from 'nestjs-event-bus';
import type { Registry } from 'prom-client';
import { AuditLogModule } from './audit-log/audit-log.module';
import { AuthModule } from './auth/auth.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { APP_CONFIG, type AppConfig } from './config/app.config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { eventsOptions } from './events/events-options.factory';
import { HealthModule } from './health/health.module';
import { InvitesModule } from './invites/invites.module';
import { MetricsModule } from './metrics/metrics.module';
import { METRICS_REGISTRY } from './metrics/metrics.tokens';
import { NotificationsModule } from './notifications/notifications.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { TournamentsModule } from './tournaments/tournaments.module';
import { TraceModule } from './trace/trace.module';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ConfigModule,
    MetricsModule,
    EventsModule.forRootAsync({
      imports: [ConfigModule, MetricsModule],
      inject: [APP_CONFIG, METRICS_REGISTRY],
      useFactory: (config: AppConfig, registry: Registry) => eventsOptions(config, registry),
    }),
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
})
export class AppModule {}
