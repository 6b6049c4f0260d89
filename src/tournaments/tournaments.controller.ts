import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, type Actor } from '../auth/actor';
import { ZodPipe } from '../common/zod-body.pipe';
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
  ) {}

  @Post()
  create(
    @CurrentActor() actor: Actor,
    @Body(new ZodPipe(CreateTournamentBody)) body: CreateTournamentBody,
  ): Promise<TournamentState> {
    return this.commands.execute(
      new CreateTournamentCommand(actor, body.organizationId, body.name, body.game),
    );
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<TournamentView> {
    const found = await this.tournaments.findWithResults(id);
    if (!found) throw new NotFoundException(`No tournament with id "${id}".`);
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
    @Body(new ZodPipe(UpdateTournamentBody)) body: UpdateTournamentBody,
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
    @Body(new ZodPipe(SubmitRaceBody)) body: SubmitRaceBody,
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
    @Body(new ZodPipe(RejectRaceBody)) body: RejectRaceBody,
  ): Promise<RaceState> {
    return this.commands.execute(new ReviewRaceCommand(actor, id, raceId, 'rejected', body.reason));
  }

  @Post(':id/matches')
  scheduleMatch(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodPipe(ScheduleMatchBody)) body: ScheduleMatchBody,
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
    @Body(new ZodPipe(CompleteMatchBody)) body: CompleteMatchBody,
  ): Promise<MatchState> {
    return this.commands.execute(new CompleteMatchCommand(actor, id, matchId, body.winnerId, body.score));
  }
}
