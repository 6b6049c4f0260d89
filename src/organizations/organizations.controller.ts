import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { CurrentActor, type Actor } from '../auth/actor';
import { ZodBody } from '../common/zod-body.pipe';
import type { MemberRecord, OrganizationRecord } from './organizations.repository';
import {
  AddMemberBody,
  CreateOrganizationBody,
  MemberPermissionBody,
  UpdateOrganizationBody,
} from './organizations.schemas';
import { OrganizationsService, type OrganizationView } from './organizations.service';

@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  create(
    @CurrentActor() actor: Actor,
    @ZodBody(CreateOrganizationBody) body: CreateOrganizationBody,
  ): Promise<OrganizationView> {
    return this.organizations.create(actor, body);
  }

  /** The organizations the actor belongs to. */
  @Get()
  mine(@CurrentActor() actor: Actor): Promise<OrganizationRecord[]> {
    return this.organizations.listForUser(actor.id);
  }

  /** An organization and its members: members and app admins only (404 for anyone else). */
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<OrganizationView> {
    return this.organizations.get(actor, id);
  }

  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(UpdateOrganizationBody) body: UpdateOrganizationBody,
  ): Promise<OrganizationView> {
    return this.organizations.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    return this.organizations.delete(actor, id);
  }

  @Post(':id/members')
  addMember(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(AddMemberBody) body: AddMemberBody,
  ): Promise<MemberRecord> {
    return this.organizations.addMember(actor, id, body.userId, body.permission);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  removeMember(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('userId') userId: string,
  ): Promise<void> {
    return this.organizations.removeMember(actor, id, userId);
  }

  @Put(':id/members/:userId/permission')
  changeMemberPermission(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('userId') userId: string,
    @ZodBody(MemberPermissionBody) body: MemberPermissionBody,
  ): Promise<MemberRecord> {
    return this.organizations.changeMemberPermission(actor, id, userId, body.permission);
  }
}
