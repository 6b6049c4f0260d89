import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Correlated } from 'nestjs-event-bus';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { InvitesService } from './invites.service';

/**
 * Expires stale invites on a timer. No request starts this work, so `@Correlated()` gives each sweep its own
 * correlation id: its `invite.expired` events and their consequences read back as one story.
 */
@Injectable()
export class InviteSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('InviteSweeper');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly invites: InvitesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.inviteSweepMs <= 0) return;
    this.timer = setInterval(() => void this.sweep(), this.config.inviteSweepMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  @Correlated()
  async sweep(): Promise<number> {
    try {
      return await this.invites.expireStale('schedule');
    } catch (error) {
      this.logger.error(`Invite sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
