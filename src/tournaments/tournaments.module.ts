import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { OrganizationsModule } from '../organizations/organizations.module';
import { LeaderboardListener } from './leaderboard.listener';
import { TOURNAMENT_COMMAND_HANDLERS, TournamentLoader } from './tournament.command-handlers';
import { TournamentsController } from './tournaments.controller';
import { TournamentsRepository } from './tournaments.repository';

/** Tournaments, races and matches in the @nestjs/cqrs style (commands, an aggregate, its events). */
@Module({
  imports: [CqrsModule, OrganizationsModule],
  controllers: [TournamentsController],
  providers: [TournamentsRepository, TournamentLoader, ...TOURNAMENT_COMMAND_HANDLERS],
  exports: [TournamentsRepository],
})
export class TournamentsModule {}

/** Keeps leaderboards and declares winners: in the one process, or in the worker when the app runs as two. */
@Module({ providers: [TournamentsRepository, LeaderboardListener] })
export class LeaderboardModule {}
