import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from 'typeorm';
import { loadAppConfig } from '../config/app.config';
import { UserEntity } from '../users/user.entity';
import { openDataSource } from './data-source.factory';
import { dataSourceOptions } from './database.options';
import { sqliteTransactionLock } from './sqlite-transaction.lock';
import { createTransactionalAdapter } from './transactional';

/** A user row named `name`. */
function user(name: string): UserEntity {
  const at = new Date();
  return {
    id: name,
    username: name,
    email: `${name}@example.com`,
    passwordHash: 'x',
    role: 'user',
    createdAt: at,
    updatedAt: at,
    tokenVersion: 0,
  };
}

/** Lets every pending callback run: a statement that is not held back has finished by then. */
async function turns(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolver, to hold a transaction open until the test lets it go. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('SqliteTransactionLock (a real SQLite file, through the app’s transactional adapter)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-lock-'));
  const dataSourcePromise = openDataSource(dataSourceOptions(loadAppConfig({ DATA_DIR: dir })));
  const adapter = dataSourcePromise.then((dataSource) =>
    createTransactionalAdapter().optionsFactory(dataSource, []),
  );

  /** Runs `work` in a transaction of the adapter, as `@Transactional()` does; `work` gets its EntityManager. */
  async function transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    let tx: EntityManager | undefined;
    return (await adapter).wrapWithTransaction(
      { isolationLevel: undefined! },
      () => work(tx!),
      (client) => (tx = client),
    );
  }

  async function usernames(): Promise<string[]> {
    const rows = await (await dataSourcePromise).getRepository(UserEntity).find({ order: { id: 'ASC' } });
    return rows.map((row) => row.username);
  }

  afterEach(async () => {
    await (await dataSourcePromise).getRepository(UserEntity).clear();
  });

  afterAll(async () => {
    await (await dataSourcePromise).destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds back a statement from outside the open transaction, which then survives its rollback', async () => {
    const dataSource = await dataSourcePromise;
    const hold = gate();
    const inside = transaction(async (tx) => {
      await tx.getRepository(UserEntity).insert(user('inside'));
      await hold.opened;
      throw new Error('half-way');
    });
    await turns();
    let outsideDone = false;
    const outside = dataSource
      .getRepository(UserEntity)
      .insert(user('outside'))
      .then(() => (outsideDone = true));
    await turns();
    expect(outsideDone).toBe(false);

    hold.open();
    await expect(inside).rejects.toThrow('half-way');
    await outside;
    expect(await usernames()).toEqual(['outside']);
  });

  it('makes a second transaction wait for the first rather than nest in it', async () => {
    const hold = gate();
    const first = transaction(async (tx) => {
      await tx.getRepository(UserEntity).insert(user('first'));
      await hold.opened;
      throw new Error('first rolls back');
    });
    await turns();
    let secondDone = false;
    const second = transaction(async (tx) => {
      await tx.getRepository(UserEntity).insert(user('second'));
    }).then(() => (secondDone = true));
    await turns();
    expect(secondDone).toBe(false);

    hold.open();
    await expect(first).rejects.toThrow('first rolls back');
    await second;
    expect(await usernames()).toEqual(['second']);
  });

  it('lets the open transaction’s own statements and savepoints through', async () => {
    await transaction(async (tx) => {
      await tx.getRepository(UserEntity).insert(user('a'));
      await tx
        .transaction(async (nested) => {
          await nested.getRepository(UserEntity).insert(user('b'));
          throw new Error('only the savepoint rolls back');
        })
        .catch(() => undefined);
      expect(await tx.getRepository(UserEntity).count()).toBe(1);
    });
    expect(await usernames()).toEqual(['a']);
  });

  it('tells when the open transaction has ended (what shutdown waits for)', async () => {
    const dataSource = await dataSourcePromise;
    const lock = sqliteTransactionLock(dataSource);
    await lock.idle(); // nothing open: at once
    const hold = gate();
    const open = transaction(async (tx) => {
      await tx.getRepository(UserEntity).insert(user('last'));
      await hold.opened;
    });
    await turns();
    let idle = false;
    const waiting = lock.idle().then(() => (idle = true));
    await turns();
    expect(idle).toBe(false);
    hold.open();
    await waiting;
    await open;
    expect(await usernames()).toEqual(['last']);
  });

  it('refuses a transaction opened around it, which would let other requests’ statements in', async () => {
    const dataSource = await dataSourcePromise;
    await expect(
      dataSource.transaction(async (tx) => {
        await tx.getRepository(UserEntity).insert(user('around'));
      }),
    ).rejects.toThrow(/outside TransactionHost: start it with @Transactional\(\)/);
    expect(await usernames()).toEqual([]);
    // The refusal leaves the connection usable.
    await transaction(async (tx) => tx.getRepository(UserEntity).insert(user('after')));
    expect(await usernames()).toEqual(['after']);
  });
});
