import type { DataSource, DataSourceOptions } from 'typeorm';
import { appDatabasePath, type AppConfig } from '../config/app.config';
import { APP_ENTITIES } from './database.entities';
import { APP_MIGRATIONS } from './migrations';

/** Which engine holds the app's tables. */
export type SqlDialect = 'sqlite' | 'postgres';

/** A schema name the app accepts (`DATABASE_SCHEMA`): a plain lower-case identifier, never quoted. */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The TypeORM options the config points at: PostgreSQL when `DATABASE_URL` is set (tables in `DATABASE_SCHEMA`,
 * default `public`), else the SQLite file `DATA_DIR/app.db`. One list of entities and one of migrations serves
 * both; the migrations run at every start (those not yet applied), never `synchronize`.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    entities: APP_ENTITIES,
    migrations: APP_MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
  } as const;
  if (config.databaseUrl) {
    const schema = postgresSchema(config);
    return {
      ...common,
      type: 'postgres',
      url: config.databaseUrl,
      schema,
      // The schema first on the search path too, so that plain SQL (and tools) find the tables.
      extra: { max: 10, connectionTimeoutMillis: 5000, options: `-c search_path=${schema}` },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: appDatabasePath(config),
    enableWAL: true,
    timeout: 5000,
  };
}

/** The PostgreSQL schema of the app's tables; throws naming `DATABASE_SCHEMA` when it is not a plain name. */
export function postgresSchema(config: AppConfig): string {
  const schema = config.databaseSchema ?? 'public';
  if (!PLAIN_IDENTIFIER.test(schema)) {
    throw new Error(`DATABASE_SCHEMA "${schema}" is not a plain lower-case identifier; pick one like "app".`);
  }
  return schema;
}

/** Where the data lives, for logs and the `system.database.ready` event: a file path or host/database, never credentials. */
export function databaseLocation(options: DataSourceOptions): string {
  if (options.type === 'postgres') {
    const url = new URL(options.url ?? 'postgres://localhost');
    return `postgres://${url.hostname}:${url.port || 5432}${url.pathname} (schema ${options.schema ?? 'public'})`;
  }
  return String(options.database);
}

export function isSqlite(options: DataSourceOptions): boolean {
  return options.type === 'better-sqlite3';
}

/** The engine behind a `DataSource`. */
export function dialectOf(dataSource: DataSource): SqlDialect {
  return isSqlite(dataSource.options) ? 'sqlite' : 'postgres';
}
