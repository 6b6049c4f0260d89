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
  providers: [TournamentsRepository, TournamentLoader, LeaderboardListener, ...TOURNAMENT_COMMAND_HANDLERS],
  exports: [TournamentsRepository],
})
export class TournamentsModule {}
