import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, type Actor } from '../auth/actor';
import { ZodBody } from '../common/zod-body.pipe';
import { OrganizationsService } from '../organizations/organizations.service';
import { computeLeaderboard, type LeaderboardEntry } from './leaderboard.listener';
import type { MatchState, RaceState, TournamentState } from './tournament.aggregate';
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
import {
  CompleteMatchBody,
  CreateTournamentBody,
  RejectRaceBody,
  ScheduleMatchBody,
  SubmitRaceBody,
  UpdateTournamentBody,
} from './tournaments.schemas';
import { TournamentsRepository } from './tournaments.repository';

export interface TournamentView extends TournamentState {
  races: RaceState[];
  matches: MatchState[];
  leaderboard: LeaderboardEntry[];
}

/** Tournaments in the CQRS style: every write is a command on the CommandBus. */
@Controller('tournaments')
export class TournamentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tournaments: TournamentsRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  @Post()
  create(
    @CurrentActor() actor: Actor,
    @ZodBody(CreateTournamentBody) body: CreateTournamentBody,
  ): Promise<TournamentState> {
    return this.commands.execute(
      new CreateTournamentCommand(actor, body.organizationId, body.name, body.game),
    );
  }

  /** A tournament with its results: for members of its organization and app admins (404 for anyone else). */
  @Get(':id')
  async get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<TournamentView> {
    const found = await this.tournaments.findWithResults(id);
    if (!found || !(await this.organizations.canSee(actor, found.tournament.organizationId))) {
      throw new NotFoundException(`No tournament with id "${id}".`);
    }
    const { tournament, races, matches } = found;
    return {
      ...tournament,
      races,
      matches,
      leaderboard: computeLeaderboard(tournament.participants, races, matches),
    };
  }

  @Patch(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(UpdateTournamentBody) body: UpdateTournamentBody,
  ): Promise<TournamentState> {
    return this.commands.execute(new UpdateTournamentCommand(actor, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    return this.commands.execute(new DeleteTournamentCommand(actor, id));
  }

  @Post(':id/participants')
  join(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<TournamentState> {
    return this.commands.execute(new JoinTournamentCommand(actor, id));
  }

  @Post(':id/start')
  @HttpCode(200)
  start(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<TournamentState> {
    return this.commands.execute(new StartTournamentCommand(actor, id));
  }

  @Post(':id/end')
  @HttpCode(200)
  end(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<TournamentState> {
    return this.commands.execute(new EndTournamentCommand(actor, id));
  }

  @Post(':id/races')
  submitRace(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(SubmitRaceBody) body: SubmitRaceBody,
  ): Promise<RaceState> {
    return this.commands.execute(new SubmitRaceCommand(actor, id, body.timeMs));
  }

  @Post(':id/races/:raceId/approve')
  @HttpCode(200)
  approveRace(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('raceId') raceId: string,
  ): Promise<RaceState> {
    return this.commands.execute(new ReviewRaceCommand(actor, id, raceId, 'approved', null));
  }

  @Post(':id/races/:raceId/reject')
  @HttpCode(200)
  rejectRace(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('raceId') raceId: string,
    @ZodBody(RejectRaceBody) body: RejectRaceBody,
  ): Promise<RaceState> {
    return this.commands.execute(new ReviewRaceCommand(actor, id, raceId, 'rejected', body.reason));
  }

  @Post(':id/matches')
  scheduleMatch(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @ZodBody(ScheduleMatchBody) body: ScheduleMatchBody,
  ): Promise<MatchState> {
    return this.commands.execute(
      new ScheduleMatchCommand(actor, id, body.playerA, body.playerB, body.scheduledAt),
    );
  }

  @Post(':id/matches/:matchId/complete')
  @HttpCode(200)
  completeMatch(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('matchId') matchId: string,
    @ZodBody(CompleteMatchBody) body: CompleteMatchBody,
  ): Promise<MatchState> {
    return this.commands.execute(new CompleteMatchCommand(actor, id, matchId, body.winnerId, body.score));
  }
}
