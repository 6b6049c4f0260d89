import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { z } from 'zod';
import { AdminOnly, CurrentActor, Public, type Actor } from '../auth/actor';
import { ZodBody, ZodQuery } from '../common/zod-body.pipe';
import { ChangePasswordBody, ChangePermissionBody, CreateUserBody, UpdateUserBody } from './users.schemas';
import { UsersService, type UserView } from './users.service';

const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Sign up. Public and rate-limited per client address; answers 409 when the username or email is taken. */
  @Public()
  @UseGuards(ThrottlerGuard)
  @Post()
  create(@ZodBody(CreateUserBody) body: CreateUserBody): Promise<UserView> {
    return this.users.create(body);
  }

  @AdminOnly()
  @Get()
  list(@ZodQuery(Page) page: z.infer<typeof Page>): Promise<UserView[]> {
    return this.users.list(page.limit, page.offset);
  }

  /** One's own profile; administrators may read anyone's. Anyone else's is a 404, as if it did not exist. */
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<UserView> {
    return this.users.get(actor, id);
  }

  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(UpdateUserBody) body: UpdateUserBody,
  ): Promise<UserView> {
    return this.users.update(actor, id, body);
  }

  @Put(':id/password')
  @HttpCode(204)
  changePassword(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(ChangePasswordBody) body: ChangePasswordBody,
  ): Promise<void> {
    return this.users.changePassword(actor, id, body);
  }

  /** Admin only: make a user admin or take it away. */
  @AdminOnly()
  @Put(':id/permission')
  changePermission(
    @Param('id') id: string,
    @ZodBody(ChangePermissionBody) body: ChangePermissionBody,
  ): Promise<UserView> {
    return this.users.changePermission(id, body.role);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    return this.users.delete(actor, id);
  }
}
