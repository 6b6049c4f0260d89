import { Inject, Injectable } from '@nestjs/common';
import { EventContext } from 'nestjs-event-bus';
import { now } from '../common/clock';
import { Database } from '../database/database';

/**
 * Who opened each story, recorded on the server: the first verified actor of a correlation id (the user a
 * request's token names, the user a sign-up created, the user a login proved). Trace access is decided from this
 * row and the reader's role, never from which events carry the id: a caller who sends someone else's id with a
 * request of their own adds events to that story, but does not become its owner.
 */
@Injectable()
export class TraceOwnersRepository {
  constructor(
    @Inject(Database) private readonly db: Database,
    private readonly context: EventContext,
  ) {}

  /** Records `actorId` as the owner of the current request's correlation id, unless it has one already. */
  async claim(actorId: string): Promise<void> {
    const correlationId = this.context.correlationId;
    if (correlationId === undefined) return;
    await this.db.execute(
      'INSERT INTO trace_owners (correlation_id, actor_id, opened_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (correlation_id) DO NOTHING',
      [correlationId, actorId, now()],
    );
  }

  /** The actor who opened the story, if one did. */
  async ownerOf(correlationId: string): Promise<string | undefined> {
    const row = await this.db.one<{ actor_id: string }>(
      'SELECT actor_id FROM trace_owners WHERE correlation_id = ?',
      [correlationId],
    );
    return row?.actor_id;
  }
}
