import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentActor, Public, type Actor } from '../auth/actor';
import { ZodPipe } from '../common/zod-body.pipe';
import {
  ChangePasswordBody,
  ChangePermissionBody,
  CreateUserBody,
  LoginBody,
  UpdateUserBody,
} from './users.schemas';
import { UsersService, type UserView } from './users.service';

const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Sign up. Public; answers 409 when the username or email is taken. */
  @Public()
  @Post()
  create(@Body(new ZodPipe(CreateUserBody)) body: CreateUserBody): Promise<UserView> {
    return this.users.create(body);
  }

  @AdminOnly()
  @Get()
  list(@Query(new ZodPipe(Page, 'query')) page: z.infer<typeof Page>): Promise<UserView[]> {
    return this.users.list(page.limit, page.offset);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<UserView> {
    return this.users.get(id);
  }

  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodPipe(UpdateUserBody)) body: UpdateUserBody,
  ): Promise<UserView> {
    return this.users.update(actor, id, body);
  }

  @Put(':id/password')
  @HttpCode(204)
  changePassword(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodPipe(ChangePasswordBody)) body: ChangePasswordBody,
  ): Promise<void> {
    return this.users.changePassword(actor, id, body);
  }

  /** Admin only: make a user admin or take it away. */
  @AdminOnly()
  @Put(':id/permission')
  changePermission(
    @Param('id') id: string,
    @Body(new ZodPipe(ChangePermissionBody)) body: ChangePermissionBody,
  ): Promise<UserView> {
    return this.users.changePermission(id, body.role);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    return this.users.delete(actor, id);
  }
}

@Controller('auth')
export class AuthController {
  constructor(private readonly users: UsersService) {}

  /** Checks a password and answers the user (whose id then goes in `x-user-id`). */
  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body(new ZodPipe(LoginBody)) body: LoginBody): Promise<UserView> {
    return this.users.login(body.username, body.password);
  }
}
