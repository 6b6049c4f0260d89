import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EventBusService } from 'nestjs-event-bus';
import { hashPassword } from '../auth/password';
import { newId, now } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { isUniqueViolation } from '../database/database.errors';
import { AdminSeeded } from './users.events';
import { UsersRepository, type UserRecord } from './users.repository';
import { Password } from './users.schemas';

/** The first administrator's username. Its id is random like every other: no id means "admin" to anyone. */
export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * On a start with no administrator (the first one): creates the user `admin` with the password from
 * `ADMIN_PASSWORD`, or a generated one printed once in the log, right now, and never again: only its scrypt hash
 * is stored, and no event carries it.
 */
@Injectable()
export class FirstAdminSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    private readonly bus: EventBusService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.countAdmins()) > 0) return;
    const given = this.config.adminPassword;
    if (given !== undefined && !Password.safeParse(given).success) {
      throw new Error('ADMIN_PASSWORD must be 8 to 200 characters long.');
    }
    const password = given ?? randomBytes(18).toString('base64url');
    const at = now();
    const admin: UserRecord = {
      id: newId(),
      username: FIRST_ADMIN_USERNAME,
      email: 'admin@example.com',
      passwordHash: await hashPassword(password),
      role: 'admin',
      createdAt: at,
      updatedAt: at,
      tokenVersion: 0,
    };
    try {
      await this.users.insert(admin);
    } catch (error) {
      // Another instance on the same database created it a moment earlier.
      if (isUniqueViolation(error)) return;
      throw error;
    }
    this.bus.emit(AdminSeeded, { userId: admin.id, username: admin.username });
    if (given !== undefined) {
      this.logger.log(`Created the administrator "${admin.username}" with the password from ADMIN_PASSWORD.`);
      return;
    }
    this.logger.warn(
      `Created the administrator "${admin.username}" with the generated password ${password} ` +
        '(shown this once only: log in with POST /auth/login, then change it with ' +
        `PUT /users/${admin.id}/password; or set ADMIN_PASSWORD before the first start).`,
    );
  }
}
