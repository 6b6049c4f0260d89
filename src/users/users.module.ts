import { Module } from '@nestjs/common';
import { AuthController, UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Users and login, in the plain `EventBusService` style. */
@Module({
  controllers: [UsersController, AuthController],
  providers: [UsersRepository, UsersService],
  exports: [UsersRepository, UsersService],
})
export class UsersModule {}
