import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { TournamentsModule } from '../tournaments/tournaments.module';
import { UsersModule } from '../users/users.module';
import { ActivityListener } from './activity.listener';
import { ActivityRepository } from './activity.repository';
import { AuditLogController } from './audit-log.controller';

/** Human-readable summaries of key actions, next to the plugin's tamper-evident audit trail. */
@Module({
  imports: [UsersModule, OrganizationsModule, TournamentsModule],
  controllers: [AuditLogController],
  providers: [ActivityRepository, ActivityListener],
})
export class AuditLogModule {}
