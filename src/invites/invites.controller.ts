import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { AdminOnly, CurrentActor, type Actor } from '../auth/actor';
import { ZodBody } from '../common/zod-body.pipe';
import type { InviteRecord } from './invites.repository';
import { CreateInviteBody } from './invites.schemas';
import { InvitesService } from './invites.service';

@Controller()
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post('organizations/:id/invites')
  create(
    @CurrentActor() actor: Actor,
    @Param('id') organizationId: string,
    @ZodBody(CreateInviteBody) body: CreateInviteBody,
  ): Promise<InviteRecord> {
    return this.invites.create(actor, organizationId, body);
  }

  @Get('organizations/:id/invites')
  listForOrganization(
    @CurrentActor() actor: Actor,
    @Param('id') organizationId: string,
  ): Promise<InviteRecord[]> {
    return this.invites.listForOrganization(actor, organizationId);
  }

  /** Pending invites sent to the actor's email. */
  @Get('invites')
  mine(@CurrentActor() actor: Actor): Promise<InviteRecord[]> {
    return this.invites.listMine(actor);
  }

  @Post('invites/expire-stale')
  @AdminOnly()
  @HttpCode(200)
  async expireStale(): Promise<{ expired: number }> {
    return { expired: await this.invites.expireStale('admin') };
  }

  @Post('invites/:id/accept')
  @HttpCode(200)
  accept(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<InviteRecord> {
    return this.invites.accept(actor, id);
  }

  @Post('invites/:id/reject')
  @HttpCode(200)
  reject(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<InviteRecord> {
    return this.invites.reject(actor, id);
  }

  @Post('invites/:id/expire')
  @HttpCode(200)
  expire(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<InviteRecord> {
    return this.invites.expire(actor, id);
  }

  @Delete('invites/:id')
  @HttpCode(204)
  revoke(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    return this.invites.revoke(actor, id);
  }
}
