import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UsersModule } from '../users/users.module';
import { ActorGuard } from './actor.guard';

/** Installs `ActorGuard` for every route. */
@Module({
  imports: [UsersModule],
  providers: [{ provide: APP_GUARD, useClass: ActorGuard }],
})
export class AuthModule {}
