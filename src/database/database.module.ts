import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { Module, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { EventBusService } from 'nestjs-event-bus';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { openDataSource } from './data-source.factory';
import { DatabaseReady } from './database.events';
import { databaseLocation, dataSourceOptions, dialectOf, isSqlite } from './database.options';
import { sqliteTransactionLock } from './sqlite-transaction.lock';
import { createTransactionalAdapter } from './transactional';

/**
 * The app's database through TypeORM: PostgreSQL when `DATABASE_URL` is set, else SQLite under `DATA_DIR`, its
 * schema brought up to date by the migrations at startup, closed at shutdown (by `TypeOrmModule`). Registers
 * `@nestjs-cls/transactional` on it, so that services use `@Transactional()` and repositories `TransactionHost`.
 * nestjs-cls itself is set up by the event bus (its correlation context); the plugin is only registered here.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config),
        // A database that cannot be opened fails the start at once, with the reason, rather than retrying.
        toRetry: () => false,
      }),
      dataSourceFactory: (options) => openDataSource(options!),
    }),
    ClsModule.registerPlugins([new ClsPluginTransactional({ adapter: createTransactionalAdapter() })]),
  ],
})
export class DatabaseModule implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBusService,
  ) {}

  /** Before `TypeOrmModule` closes the `DataSource`: a SQLite transaction still open is let finish first. */
  async beforeApplicationShutdown(): Promise<void> {
    if (isSqlite(this.dataSource.options)) await sqliteTransactionLock(this.dataSource).idle();
  }

  onModuleInit(): void {
    this.bus.emit(DatabaseReady, {
      dialect: dialectOf(this.dataSource),
      location: databaseLocation(this.dataSource.options),
      tables: this.dataSource.entityMetadatas.length,
    });
  }
}
