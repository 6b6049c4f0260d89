import { Injectable } from '@nestjs/common';
import { EventBusService, EventPriority, OnEvent, type BusEvent, type EventData } from 'nestjs-event-bus';
import { newId, now } from '../common/clock';
import { MemberAdded, MemberRemoved, OrganizationCreated } from '../organizations/organizations.events';
import { OrganizationsRepository } from '../organizations/organizations.repository';
import { RaceApproved, RaceSubmitted, TournamentCreated } from '../tournaments/tournaments.events';
import { TournamentsRepository } from '../tournaments/tournaments.repository';
import { UserCreated, UserPermissionChanged } from '../users/users.events';
import { UsersRepository } from '../users/users.repository';
import { ActivityRepository } from './activity.repository';
import { AuditSummaryRecorded } from './audit-log.events';

type Data<D> = BusEvent<EventData<D>>;

/** `62345` -> `1:02.345`. */
export function formatRaceTime(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const seconds = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return `${minutes}:${seconds}`;
}

/**
 * Writes one human-readable line per key action ("alice added bob to \"Speedrunners\" as member") into the
 * activity log, then announces it as `audit.summary.recorded`. Priority HIGH: these handlers start before the
 * normal-priority reactions (emails, leaderboards); with emit() an async handler is only started in that order,
 * so its write may finish after a later handler's (emitAsync() would finish each priority tier first). `local`
 * on the distributed events: the line is written by the process that handled the request, at once.
 */
@Injectable()
export class ActivityListener {
  constructor(
    private readonly activity: ActivityRepository,
    private readonly users: UsersRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly tournaments: TournamentsRepository,
    private readonly bus: EventBusService,
  ) {}

  @OnEvent(UserCreated, { priority: EventPriority.HIGH, local: true, name: 'Activity.userCreated' })
  async userCreated(event: Data<typeof UserCreated>): Promise<void> {
    await this.record(event, `New user "${event.data.username}" signed up`);
  }

  @OnEvent(UserPermissionChanged, { priority: EventPriority.HIGH, name: 'Activity.permissionChanged' })
  async permissionChanged(event: Data<typeof UserPermissionChanged>): Promise<void> {
    const target = await this.userName(event.data.userId);
    await this.record(
      event,
      `${await this.actorName(event)} changed ${target}’s role from ${event.data.from} to ${event.data.to}`,
    );
  }

  @OnEvent(OrganizationCreated, { priority: EventPriority.HIGH, name: 'Activity.organizationCreated' })
  async organizationCreated(event: Data<typeof OrganizationCreated>): Promise<void> {
    await this.record(
      event,
      `${await this.userName(event.data.ownerId)} created organization "${event.data.name}"`,
    );
  }

  @OnEvent(MemberAdded, { priority: EventPriority.HIGH, name: 'Activity.memberAdded' })
  async memberAdded(event: Data<typeof MemberAdded>): Promise<void> {
    const member = await this.userName(event.data.userId);
    const org = await this.organizationName(event.data.organizationId);
    const line =
      event.data.via === 'creation'
        ? `${member} is the owner of ${org}`
        : event.data.via === 'invite'
          ? `${member} joined ${org} as ${event.data.permission} by accepting an invite`
          : `${await this.actorName(event)} added ${member} to ${org} as ${event.data.permission}`;
    await this.record(event, line);
  }

  @OnEvent(MemberRemoved, { priority: EventPriority.HIGH, name: 'Activity.memberRemoved' })
  async memberRemoved(event: Data<typeof MemberRemoved>): Promise<void> {
    const member = await this.userName(event.data.userId);
    const org = await this.organizationName(event.data.organizationId);
    const line =
      event.data.by === 'self'
        ? `${member} left ${org}`
        : `${await this.actorName(event)} removed ${member} from ${org}`;
    await this.record(event, line);
  }

  @OnEvent(TournamentCreated, { priority: EventPriority.HIGH, name: 'Activity.tournamentCreated' })
  async tournamentCreated(event: Data<typeof TournamentCreated>): Promise<void> {
    const org = await this.organizationName(event.data.organizationId);
    await this.record(
      event,
      `${await this.actorName(event)} created tournament "${event.data.name}" (${event.data.game}) in ${org}`,
    );
  }

  @OnEvent(RaceSubmitted, { priority: EventPriority.HIGH, name: 'Activity.raceSubmitted' })
  async raceSubmitted(event: Data<typeof RaceSubmitted>): Promise<void> {
    const tournament = await this.tournamentName(event.data.tournamentId);
    await this.record(
      event,
      `${await this.userName(event.data.userId)} submitted a race of ${formatRaceTime(event.data.timeMs)} in ${tournament}`,
    );
  }

  @OnEvent(RaceApproved, { priority: EventPriority.HIGH, local: true, name: 'Activity.raceApproved' })
  async raceApproved(event: Data<typeof RaceApproved>): Promise<void> {
    const tournament = await this.tournamentName(event.data.tournamentId);
    const racer = await this.userName(event.data.userId);
    await this.record(
      event,
      `${await this.actorName(event)} approved ${racer}’s race of ${formatRaceTime(event.data.timeMs)} in ${tournament}`,
    );
  }

  private async record(event: BusEvent, summary: string): Promise<void> {
    const id = newId();
    const inserted = await this.activity.add({
      id,
      eventId: event.id,
      eventType: event.type,
      correlationId: event.correlationId,
      actorId: event.actorId ?? null,
      summary,
      createdAt: now(),
    });
    if (inserted)
      this.bus.emit(AuditSummaryRecorded, {
        summaryId: id,
        eventId: event.id,
        eventType: event.type,
        summary,
      });
  }

  private actorName(event: BusEvent): Promise<string> {
    return event.actorId ? this.userName(event.actorId) : Promise.resolve('the system');
  }

  private async userName(id: string): Promise<string> {
    return (await this.users.findById(id))?.username ?? `user ${id}`;
  }

  private async organizationName(id: string): Promise<string> {
    const org = await this.organizations.findById(id);
    return org ? `"${org.name}"` : `organization ${id}`;
  }

  private async tournamentName(id: string): Promise<string> {
    const tournament = await this.tournaments.findById(id);
    return tournament ? `"${tournament.name}"` : `tournament ${id}`;
  }
}
