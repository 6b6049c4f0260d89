import 'reflect-metadata';
import { Global, Inject, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClsPluginTransactional,
  Propagation,
  Transactional,
  TransactionHost,
} from '@nestjs-cls/transactional';
import { ClsModule } from 'nestjs-cls';
import { Pool, type PoolClient } from 'pg';
import { PostgresOutboxStore, TransactionalAdapterPg, type SqlExecutor } from 'nestjs-event-bus/outbox';
import { DATABASE_URL, describePostgres, dropSchema, uniqueSchema } from '../support/postgres';
import { until } from '../support/wait';
import { entry } from './support/outbox-backends';

const PG_POOL = Symbol('PG_POOL');
const schema = uniqueSchema('txpg');
const store = new PostgresOutboxStore({ connection: DATABASE_URL, schema });

@Global()
@Module({
  providers: [{ provide: PG_POOL, useFactory: () => new Pool({ connectionString: DATABASE_URL, max: 3 }) }],
  exports: [PG_POOL],
})
class PgModule {}

class Refused extends Error {}

@Injectable()
class Accounts {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterPg>,
    @Inject(PG_POOL) readonly pool: Pool,
  ) {}

  /** Where this code's queries go: the transaction's client, or the pool outside one. */
  get tx() {
    return this.txHost.tx;
  }

  async insert(name: string): Promise<void> {
    await this.txHost.tx.query(`INSERT INTO "${schema}".accounts (name) VALUES ($1)`, [name]);
  }

  @Transactional()
  async open(name: string): Promise<void> {
    await this.insert(name);
  }

  @Transactional()
  async openThenFail(name: string): Promise<void> {
    await this.insert(name);
    throw new Refused(`no ${name}`);
  }

  @Transactional()
  async outerWithFailingNested(names: [string, string, string]): Promise<void> {
    await this.insert(names[0]);
    await this.nested(names[1], true).catch(() => undefined);
    await this.insert(names[2]);
  }

  @Transactional()
  async outerFailingAfterNested(names: [string, string]): Promise<void> {
    await this.insert(names[0]);
    await this.nested(names[1], false);
    throw new Refused('after nested');
  }

  @Transactional(Propagation.Nested)
  async nested(name: string, fail: boolean): Promise<void> {
    await this.insert(name);
    if (fail) throw new Refused(`nested ${name}`);
  }

  @Transactional()
  async outerFailingAfterRequiresNew(names: [string, string]): Promise<number[]> {
    await this.insert(names[0]);
    const outer = await this.backendPid();
    const inner = await this.requiresNew(names[1]);
    throw Object.assign(new Refused('after requires-new'), { pids: [outer, inner] });
  }

  @Transactional(Propagation.RequiresNew)
  async requiresNew(name: string): Promise<number> {
    await this.insert(name);
    return this.backendPid();
  }

  @Transactional<TransactionalAdapterPg>({ isolationLevel: 'SERIALIZABLE', readOnly: true })
  async settings(): Promise<string[]> {
    const level = await this.txHost.tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation');
    const readOnly = await this.txHost.tx.query<{ transaction_read_only: string }>(
      'SHOW transaction_read_only',
    );
    return [level.rows[0].transaction_isolation, readOnly.rows[0].transaction_read_only];
  }

  /** An outbox row written through the transaction's own client, beside the account. */
  @Transactional()
  async openAndAnnounce(name: string, fail: boolean): Promise<void> {
    await this.insert(name);
    const client = this.txHost.tx as PoolClient;
    const run: SqlExecutor = async (sql, params) => (await client.query(sql, [...params])).rowCount ?? 0;
    await store.enqueue(run, [entry(name, 1)]);
    if (fail) throw new Refused(name);
  }

  private async backendPid(): Promise<number> {
    const { rows } = await this.txHost.tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0].pid;
  }
}

@Module({
  imports: [
    PgModule,
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          imports: [PgModule],
          adapter: new TransactionalAdapterPg({ poolToken: PG_POOL }),
        }),
      ],
    }),
  ],
  providers: [Accounts],
})
class AppModule {}

describePostgres('TransactionalAdapterPg (@nestjs-cls/transactional over a pg Pool, real PostgreSQL)', () => {
  let app: INestApplicationContext;
  let accounts: Accounts;
  let admin: Pool;
  const names = async () =>
    (await admin.query<{ name: string }>(`SELECT name FROM "${schema}".accounts ORDER BY name`)).rows.map(
      (row) => row.name,
    );

  beforeAll(async () => {
    admin = new Pool({ connectionString: DATABASE_URL, max: 2 });
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}".accounts (name text PRIMARY KEY)`);
    await store.prepare();
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    accounts = app.get(Accounts);
  });
  afterAll(async () => {
    await app?.close();
    await accounts?.pool.end();
    await store.close();
    await dropSchema(schema, admin);
    await admin.end();
  });
  beforeEach(() => admin.query(`TRUNCATE "${schema}".accounts, "${schema}".event_outbox`));

  it('commits what a @Transactional() method wrote', async () => {
    await accounts.open('ada');
    expect(await names()).toEqual(['ada']);
  });

  it('rolls it all back when the method throws, and gives the client back to the pool', async () => {
    for (let i = 0; i < 8; i++) await expect(accounts.openThenFail(`bob-${i}`)).rejects.toThrow(Refused);
    expect(await names()).toEqual([]);
    // The pool holds 3 clients: had a failed transaction kept one, this would wait forever.
    await accounts.open('carol');
    expect(await names()).toEqual(['carol']);
  });

  it('Propagation.Nested rolls back to a savepoint, keeping the outer transaction', async () => {
    await accounts.outerWithFailingNested(['n1', 'n2', 'n3']);
    expect(await names()).toEqual(['n1', 'n3']);
  });

  it('a nested transaction that succeeded still rolls back with its outer one', async () => {
    await expect(accounts.outerFailingAfterNested(['m1', 'm2'])).rejects.toThrow('after nested');
    expect(await names()).toEqual([]);
  });

  it('Propagation.RequiresNew commits on a client of its own, whatever the outer transaction does', async () => {
    const failure = await accounts
      .outerFailingAfterRequiresNew(['r1', 'r2'])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Refused);
    const [outer, inner] = (failure as { pids: number[] }).pids;
    expect(inner).not.toBe(outer);
    expect(await names()).toEqual(['r2']);
  });

  it('sets the isolation level and access mode asked for', async () => {
    expect(await accounts.settings()).toEqual(['serializable', 'on']);
  });

  it('outside a transaction, txHost.tx is the pool and each query stands alone', async () => {
    expect(accounts.tx).toBe(accounts.pool);
    await accounts.insert('solo');
    expect(await names()).toEqual(['solo']);
  });

  it('writes an outbox row with the transaction: none on rollback, one (and one NOTIFY) on commit', async () => {
    let wakes = 0;
    const unlisten = await store.listen(() => wakes++);
    try {
      await expect(accounts.openAndAnnounce('dora', true)).rejects.toThrow(Refused);
      expect(await store.inspect()).toEqual({ rows: 0, oldestAt: undefined });
      await accounts.openAndAnnounce('eve', false);
      expect((await store.inspect()).rows).toBe(1);
      await until(() => wakes === 1);
      const [record] = await store.claim('relay', 10, 1000);
      expect(record.key).toBe('eve');
      expect(await names()).toEqual(['eve']);
    } finally {
      await unlisten();
    }
  });

  it('needs exactly one of pool and poolToken, and checks the isolation level', async () => {
    expect(() => new TransactionalAdapterPg({})).toThrow(/exactly one of "pool"/);
    const adapter = new TransactionalAdapterPg({ pool: accounts.pool });
    const { wrapWithTransaction } = adapter.optionsFactory(accounts.pool);
    await expect(
      wrapWithTransaction(
        { isolationLevel: 'SERIALIZABLE; DROP TABLE x' as never },
        async () => 1,
        () => undefined,
      ),
    ).rejects.toThrow(/isolationLevel/);
  });
});
