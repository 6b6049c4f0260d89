import type { IEvent } from '@nestjs/cqrs';
import type { EventData, EventDefinition } from 'nestjs-event-bus';
import {
  MatchCompleted,
  MatchScheduled,
  RaceApproved,
  RaceRejected,
  RaceSubmitted,
  TournamentCreated,
  TournamentDeleted,
  TournamentEnded,
  TournamentParticipantJoined,
  TournamentStarted,
  TournamentUpdated,
} from './tournaments.events';

/** A CQRS event class whose instances carry exactly the payload of `definition`. */
type DomainEventClass<D extends EventDefinition<object, unknown>> = {
  new (data: EventData<D>): IEvent & Readonly<EventData<D>>;
  /** The bus type: the CQRS bridge records instances under it (and validates them against `definition`). */
  readonly type: string;
};

/**
 * Makes the CQRS event class for a definition. The static `type` is what the CQRS bridge uses to put published
 * instances on the bus, so `@EventsHandler` classes and `@OnEvent` listeners see the same event.
 */
function cqrsEventFor<D extends EventDefinition<object, unknown>>(definition: D): DomainEventClass<D> {
  return class {
    static readonly type = definition.type;
    constructor(data: EventData<D>) {
      Object.assign(this, data);
    }
  } as unknown as DomainEventClass<D>;
}

export class TournamentCreatedEvent extends cqrsEventFor(TournamentCreated) {}
export class TournamentUpdatedEvent extends cqrsEventFor(TournamentUpdated) {}
export class TournamentDeletedEvent extends cqrsEventFor(TournamentDeleted) {}
export class ParticipantJoinedEvent extends cqrsEventFor(TournamentParticipantJoined) {}
export class TournamentStartedEvent extends cqrsEventFor(TournamentStarted) {}
export class TournamentEndedEvent extends cqrsEventFor(TournamentEnded) {}
export class RaceSubmittedEvent extends cqrsEventFor(RaceSubmitted) {}
export class RaceApprovedEvent extends cqrsEventFor(RaceApproved) {}
export class RaceRejectedEvent extends cqrsEventFor(RaceRejected) {}
export class MatchScheduledEvent extends cqrsEventFor(MatchScheduled) {}
export class MatchCompletedEvent extends cqrsEventFor(MatchCompleted) {}
