import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { EventContext } from 'nestjs-event-bus';
import type { Repository } from 'typeorm';
import { TraceOwnerEntity } from './trace-owner.entity';

/**
 * Who opened each story, recorded on the server: the first verified actor of a correlation id (the user a
 * request's token names, the user a sign-up created, the user a login proved). Trace access is decided from this
 * row and the reader's role, never from which events carry the id: a caller who sends someone else's id with a
 * request of their own adds events to that story, but does not become its owner.
 */
@Injectable()
export class TraceOwnersRepository {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly context: EventContext,
  ) {}

  private get owners(): Repository<TraceOwnerEntity> {
    return this.txHost.tx.getRepository(TraceOwnerEntity);
  }

  /** Records `actorId` as the owner of the current request's correlation id, unless it has one already. */
  async claim(actorId: string): Promise<void> {
    const correlationId = this.context.correlationId;
    if (correlationId === undefined) return;
    await this.owners
      .createQueryBuilder()
      .insert()
      .values({ correlationId, actorId, openedAt: new Date() })
      .orIgnore()
      .execute();
  }

  /** The actor who opened the story, if one did. */
  async ownerOf(correlationId: string): Promise<string | undefined> {
    const row = await this.owners.findOne({ where: { correlationId }, select: { actorId: true } });
    return row?.actorId;
  }
}
