import { ActivitySummaryEntity } from '../audit-log/activity-summary.entity';
import { InviteEntity } from '../invites/invite.entity';
import { EmailOutboxEntity } from '../notifications/email-outbox.entity';
import { OrganizationMemberEntity } from '../organizations/organization-member.entity';
import { OrganizationEntity } from '../organizations/organization.entity';
import { MatchEntity } from '../tournaments/match.entity';
import { RaceEntity } from '../tournaments/race.entity';
import { TournamentParticipantEntity } from '../tournaments/tournament-participant.entity';
import { TournamentEntity } from '../tournaments/tournament.entity';
import { TraceOwnerEntity } from '../trace/trace-owner.entity';
import { UserEntity } from '../users/user.entity';

/** Every table of the example app, one entity each (their tables are made by the migrations). */
export const APP_ENTITIES = [
  UserEntity,
  OrganizationEntity,
  OrganizationMemberEntity,
  InviteEntity,
  TournamentEntity,
  TournamentParticipantEntity,
  RaceEntity,
  MatchEntity,
  ActivitySummaryEntity,
  TraceOwnerEntity,
  EmailOutboxEntity,
];
