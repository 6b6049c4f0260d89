import { Module } from '@nestjs/common';
import { TraceModule } from '../trace/trace.module';
import { FirstAdminSeeder } from './first-admin.seeder';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Users and the first administrator, in the plain `EventBusService` style. */
@Module({
  imports: [TraceModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, FirstAdminSeeder],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}
