import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventBusService } from 'nestjs-event-bus';
import { APP_CONFIG, appDatabasePath, type AppConfig } from '../config/app.config';
import { Database } from './database';
import { DatabaseReady } from './database.events';
import { PostgresDatabase } from './postgres.database';
import { COLUMN_UPGRADES, SCHEMA, type ColumnUpgrade } from './schema';
import { SqliteDatabase } from './sqlite.database';

/** Opens the store the config points at: PostgreSQL when `DATABASE_URL` is set, else SQLite under `DATA_DIR`. */
export function openDatabase(config: AppConfig): Database {
  if (config.databaseUrl) {
    return new PostgresDatabase({ connectionString: config.databaseUrl, schema: config.databaseSchema });
  }
  return new SqliteDatabase(appDatabasePath(config));
}

/** Provides the shared `Database`, creates the schema at startup and closes it at shutdown. */
@Global()
@Module({
  providers: [{ provide: Database, inject: [APP_CONFIG], useFactory: openDatabase }],
  exports: [Database],
})
export class DatabaseModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly database: Database,
    private readonly bus: EventBusService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.database.migrate(SCHEMA);
    for (const upgrade of COLUMN_UPGRADES) await this.addColumnIfMissing(upgrade);
    this.bus.emit(DatabaseReady, {
      dialect: this.database.dialect,
      location: this.database.location,
      tables: SCHEMA.filter((sql) => sql.startsWith('CREATE TABLE')).length,
    });
  }

  /** Neither SQLite nor PostgreSQL < 9.6 has ADD COLUMN IF NOT EXISTS: probe the column, add it when absent. */
  private async addColumnIfMissing({ table, column, definition }: ColumnUpgrade): Promise<void> {
    if (await this.hasColumn(table, column)) return;
    try {
      await this.database.execute(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    } catch (error) {
      // Another instance starting at the same moment may have added it first.
      if (!(await this.hasColumn(table, column))) throw error;
    }
  }

  private async hasColumn(table: string, column: string): Promise<boolean> {
    try {
      await this.database.query(`SELECT ${column} FROM ${table} LIMIT 0`);
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
