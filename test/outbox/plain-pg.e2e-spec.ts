import { Global, Injectable, Module, type INestApplication } from '@nestjs/common';
import {
  ClsPluginTransactional,
  Propagation,
  Transactional,
  TransactionHost,
} from '@nestjs-cls/transactional';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import { EventBusService, EventsModule, OnEvent, defineEvent, type BusEvent } from 'nestjs-event-bus';
import { PostgresOutboxStore, TransactionalAdapterPg, transactionalOutbox } from 'nestjs-event-bus/outbox';
import { Pool } from 'pg';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { until } from '../support/wait';

/**
 * Scenario: an app that writes SQL by hand on a `pg` Pool, with `TransactionalAdapterPg` wrapped by
 * `transactionalOutbox()`: an account is opened with a row and an `account.opened` event in one transaction; an
 * idempotent listener writes a welcome row through the transaction the inbox opens.
 */
const AccountOpened = defineEvent<{ name: string }>('account.opened');
const PG_POOL = Symbol('PG_POOL');
const schema = uniqueSchema('outbox_plain_pg');

class Refused extends Error {}

@Global()
@Module({
  providers: [{ provide: PG_POOL, useFactory: () => new Pool({ connectionString: DATABASE_URL, max: 4 }) }],
  exports: [PG_POOL],
})
class PgModule {}

@Injectable()
class Accounts {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterPg>,
    private readonly bus: EventBusService,
  ) {}

  @Transactional()
  async open(name: string, outcome: 'commit' | 'rollback' = 'commit'): Promise<void> {
    await this.txHost.tx.query(`INSERT INTO "${schema}".accounts (name) VALUES ($1)`, [name]);
    this.bus.emit(AccountOpened, { name });
    if (outcome === 'rollback') throw new Refused(name);
  }

  /** Opens `first`, then `second` in a savepoint that fails (and is caught). */
  @Transactional()
  async openWithFailingSavepoint(first: string, second: string): Promise<void> {
    await this.open(first);
    await this.txHost
      .withTransaction(Propagation.Nested, () => this.open(second, 'rollback'))
      .catch(() => undefined);
  }
}

@Injectable()
class Welcomer {
  readonly seen: string[] = [];

  constructor(private readonly txHost: TransactionHost<TransactionalAdapterPg>) {}

  @OnEvent(AccountOpened, { idempotent: true })
  async welcome(event: BusEvent<{ name: string }>): Promise<void> {
    this.seen.push(event.data.name);
    await this.txHost.tx.query(`INSERT INTO "${schema}".welcomes (name) VALUES ($1)`, [event.data.name]);
  }
}

@Module({
  imports: [
    PgModule,
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          adapter: transactionalOutbox(new TransactionalAdapterPg({ poolToken: PG_POOL })),
        }),
      ],
    }),
    EventsModule.forRoot({
      outbox: {
        store: new PostgresOutboxStore({ connection: DATABASE_URL, schema }),
        relay: { pollIntervalMs: 50 },
      },
    }),
  ],
  providers: [Accounts, Welcomer],
})
class PlainPgApp {}

describePostgres('the outbox with TransactionalAdapterPg (plain SQL on pg)', () => {
  const own = new Pool({ connectionString: DATABASE_URL, max: 2 });
  let app: INestApplication;

  beforeAll(async () => {
    await own.query(`CREATE SCHEMA "${schema}"`);
    await own.query(`CREATE TABLE "${schema}".accounts (name text PRIMARY KEY)`);
    await own.query(`CREATE TABLE "${schema}".welcomes (name text NOT NULL)`);
    const moduleRef = await Test.createTestingModule({ imports: [PlainPgApp] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await app?.get<Pool>(PG_POOL).end();
    await dropSchema(schema, own);
    await own.end();
  });

  it('delivers the events of committed transactions and savepoints only, to a handler writing in its inbox transaction', async () => {
    const accounts = app.get(Accounts);
    await accounts.open('ann');
    await expect(accounts.open('bob', 'rollback')).rejects.toBeInstanceOf(Refused);
    await accounts.openWithFailingSavepoint('cid', 'dan');
    const welcomer = app.get(Welcomer);
    await until(() => welcomer.seen.length >= 2, 10_000);
    await until(
      async () => (await own.query(`SELECT 1 FROM "${schema}".event_outbox`)).rowCount === 0,
      10_000,
    );
    await app.get(EventBusService).drain(5000);
    expect([...welcomer.seen].sort()).toEqual(['ann', 'cid']);
    const welcomes = await own.query(`SELECT name FROM "${schema}".welcomes ORDER BY name`);
    expect(welcomes.rows.map((row) => row.name)).toEqual(['ann', 'cid']);
    const inbox = await own.query(`SELECT handler FROM "${schema}".event_inbox`);
    expect(inbox.rows.map((row) => row.handler)).toEqual(['Welcomer.welcome', 'Welcomer.welcome']);
  });
});
