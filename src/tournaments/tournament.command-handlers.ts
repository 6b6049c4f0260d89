import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { CommandHandler, EventPublisher, type ICommandHandler } from '@nestjs/cqrs';
import { newId, now } from '../common/clock';
import type { Actor } from '../auth/actor';
import { OrganizationsService } from '../organizations/organizations.service';
import {
  TournamentAggregate,
  type MatchState,
  type RaceState,
  type TournamentState,
} from './tournament.aggregate';
import {
  CompleteMatchCommand,
  CreateTournamentCommand,
  DeleteTournamentCommand,
  EndTournamentCommand,
  JoinTournamentCommand,
  ReviewRaceCommand,
  ScheduleMatchCommand,
  StartTournamentCommand,
  SubmitRaceCommand,
  UpdateTournamentCommand,
} from './tournament.commands';
import { TournamentsRepository } from './tournaments.repository';

/**
 * Loads aggregates (with the publisher merged in, so `commit()` publishes on the CQRS EventBus) and checks
 * organization permissions; shared by the command handlers.
 */
@Injectable()
export class TournamentLoader {
  constructor(
    private readonly tournaments: TournamentsRepository,
    private readonly organizations: OrganizationsService,
    private readonly publisher: EventPublisher,
  ) {}

  async load(tournamentId: string): Promise<TournamentAggregate> {
    const state = await this.tournaments.findById(tournamentId);
    if (!state) throw new NotFoundException(`No tournament with id "${tournamentId}".`);
    return this.publisher.mergeObjectContext(new TournamentAggregate(state));
  }

  /** Loads the tournament and answers 403 unless the actor manages its organization. */
  async loadForManager(actor: Actor, tournamentId: string, action: string): Promise<TournamentAggregate> {
    const aggregate = await this.load(tournamentId);
    await this.organizations.requireManager(actor, aggregate.snapshot.organizationId, action);
    return aggregate;
  }

  merge(aggregate: TournamentAggregate): TournamentAggregate {
    return this.publisher.mergeObjectContext(aggregate);
  }
}

@CommandHandler(CreateTournamentCommand)
export class CreateTournamentHandler implements ICommandHandler<CreateTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  async execute({ actor, organizationId, name, game }: CreateTournamentCommand): Promise<TournamentState> {
    await this.organizations.loadForManager(actor, organizationId, 'create tournaments');
    if (await this.tournaments.existsByName(organizationId, name)) {
      throw new ConflictException(`This organization already has a tournament named "${name}".`);
    }
    const at = now();
    const aggregate = this.loader.merge(
      TournamentAggregate.create({
        id: newId(),
        organizationId,
        name,
        game,
        createdBy: actor.id,
        createdAt: at,
        updatedAt: at,
      }),
    );
    await this.tournaments.insert(aggregate.snapshot);
    aggregate.commit();
    return aggregate.snapshot;
  }
}

@CommandHandler(UpdateTournamentCommand)
export class UpdateTournamentHandler implements ICommandHandler<UpdateTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId, changes }: UpdateTournamentCommand): Promise<TournamentState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'update this tournament');
    const { organizationId, name } = aggregate.snapshot;
    if (changes.name !== undefined && changes.name.toLowerCase() !== name.toLowerCase()) {
      if (await this.tournaments.existsByName(organizationId, changes.name)) {
        throw new ConflictException(`This organization already has a tournament named "${changes.name}".`);
      }
    }
    if (aggregate.update(changes, now())) {
      await this.tournaments.update(aggregate.snapshot);
      aggregate.commit();
    }
    return aggregate.snapshot;
  }
}

@CommandHandler(DeleteTournamentCommand)
export class DeleteTournamentHandler implements ICommandHandler<DeleteTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId }: DeleteTournamentCommand): Promise<void> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'delete this tournament');
    aggregate.delete();
    await this.tournaments.delete(tournamentId);
    aggregate.commit();
  }
}

@CommandHandler(JoinTournamentCommand)
export class JoinTournamentHandler implements ICommandHandler<JoinTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  async execute({ actor, tournamentId }: JoinTournamentCommand): Promise<TournamentState> {
    const aggregate = await this.loader.load(tournamentId);
    await this.organizations.requireMember(actor, aggregate.snapshot.organizationId, 'join this tournament');
    const at = now();
    aggregate.join(actor.id, at);
    await this.tournaments.addParticipant(tournamentId, actor.id, at);
    aggregate.commit();
    return aggregate.snapshot;
  }
}

@CommandHandler(StartTournamentCommand)
export class StartTournamentHandler implements ICommandHandler<StartTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId }: StartTournamentCommand): Promise<TournamentState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'start this tournament');
    aggregate.start(now());
    await this.tournaments.update(aggregate.snapshot);
    aggregate.commit();
    return aggregate.snapshot;
  }
}

@CommandHandler(EndTournamentCommand)
export class EndTournamentHandler implements ICommandHandler<EndTournamentCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId }: EndTournamentCommand): Promise<TournamentState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'end this tournament');
    const [races, matches] = await Promise.all([
      this.tournaments.races(tournamentId),
      this.tournaments.matches(tournamentId),
    ]);
    aggregate.end(now(), races.length, matches.length);
    await this.tournaments.update(aggregate.snapshot);
    aggregate.commit();
    return aggregate.snapshot;
  }
}

@CommandHandler(SubmitRaceCommand)
export class SubmitRaceHandler implements ICommandHandler<SubmitRaceCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId, timeMs }: SubmitRaceCommand): Promise<RaceState> {
    const aggregate = await this.loader.load(tournamentId);
    const race = aggregate.submitRace(newId(), actor.id, timeMs, now());
    await this.tournaments.saveRace(race, true);
    aggregate.commit();
    return race;
  }
}

@CommandHandler(ReviewRaceCommand)
export class ReviewRaceHandler implements ICommandHandler<ReviewRaceCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({ actor, tournamentId, raceId, verdict, reason }: ReviewRaceCommand): Promise<RaceState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'review races');
    const race = await this.tournaments.race(tournamentId, raceId);
    if (!race) throw new NotFoundException(`No race "${raceId}" in this tournament.`);
    const reviewed = aggregate.reviewRace(race, actor.id, verdict, reason, now());
    await this.tournaments.saveRace(reviewed, false);
    aggregate.commit();
    return reviewed;
  }
}

@CommandHandler(ScheduleMatchCommand)
export class ScheduleMatchHandler implements ICommandHandler<ScheduleMatchCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({
    actor,
    tournamentId,
    playerA,
    playerB,
    scheduledAt,
  }: ScheduleMatchCommand): Promise<MatchState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'schedule matches');
    // In the one form the database gives back (ISO-8601 with milliseconds, UTC), so reads match this answer.
    const at = new Date(scheduledAt).toISOString();
    const match = aggregate.scheduleMatch(newId(), playerA, playerB, at);
    await this.tournaments.saveMatch(match, true);
    aggregate.commit();
    return match;
  }
}

@CommandHandler(CompleteMatchCommand)
export class CompleteMatchHandler implements ICommandHandler<CompleteMatchCommand> {
  constructor(
    private readonly loader: TournamentLoader,
    private readonly tournaments: TournamentsRepository,
  ) {}

  async execute({
    actor,
    tournamentId,
    matchId,
    winnerId,
    score,
  }: CompleteMatchCommand): Promise<MatchState> {
    const aggregate = await this.loader.loadForManager(actor, tournamentId, 'record match results');
    const match = await this.tournaments.match(tournamentId, matchId);
    if (!match) throw new NotFoundException(`No match "${matchId}" in this tournament.`);
    const completed = aggregate.completeMatch(match, winnerId, score);
    await this.tournaments.saveMatch(completed, false);
    aggregate.commit();
    return completed;
  }
}

export const TOURNAMENT_COMMAND_HANDLERS = [
  CreateTournamentHandler,
  UpdateTournamentHandler,
  DeleteTournamentHandler,
  JoinTournamentHandler,
  StartTournamentHandler,
  EndTournamentHandler,
  SubmitRaceHandler,
  ReviewRaceHandler,
  ScheduleMatchHandler,
  CompleteMatchHandler,
];
