import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { InviteSweeper } from './invite-sweeper.service';
import { InvitesController } from './invites.controller';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';

@Module({
  imports: [UsersModule, OrganizationsModule],
  controllers: [InvitesController],
  providers: [InvitesRepository, InvitesService, InviteSweeper],
})
export class InvitesModule {}
