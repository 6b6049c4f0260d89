import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  AfterQueryEvent,
  BeforeQueryEvent,
  DataSource,
  EntitySubscriberInterface,
  TransactionStartEvent,
} from 'typeorm';

/**
 * One transaction at a time on the app's SQLite connection, and no other statement inside it.
 *
 * TypeORM's SQLite drivers run every statement of a `DataSource` on its one connection. Left alone, a transaction
 * started while another is open becomes a savepoint inside it, and a statement of another request sent meanwhile
 * runs inside it too: both are then rolled back, or committed, with a transaction their callers know nothing of.
 * This lock makes transactions take turns (`run()`); as a TypeORM subscriber of the `DataSource` it holds back
 * any statement from outside the open transaction until that transaction ends, and refuses a transaction started
 * around it (one that did not go through `run()`, i.e. not through `TransactionHost` / `@Transactional()`).
 */
export class SqliteTransactionLock implements EntitySubscriberInterface {
  /** The token of the transaction whose code is running, in that code's async context. */
  private readonly contexts = new AsyncLocalStorage<symbol>();
  /** The token of the transaction that holds the connection, if one does. */
  private holder: symbol | undefined;
  /** Statements from outside any transaction that passed the gate and have not finished yet. */
  private outside = 0;
  /**
   * Those statements, by their parameter array: TypeORM hands the same array to `beforeQuery` and `afterQuery`
   * of one statement, which pairs them even when the holder changed in between.
   */
  private readonly counted = new WeakSet<object>();
  private waiters: (() => void)[] = [];

  /** Runs `work` (which opens, commits or rolls back the transaction) once no other transaction is open. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    // A transaction nested in the open one (a savepoint) is part of it.
    if (this.insideHolder()) return work();
    while (this.holder !== undefined || this.outside > 0) await this.changed();
    const token = Symbol('sqlite transaction');
    this.holder = token;
    try {
      return await this.contexts.run(token, work);
    } finally {
      this.holder = undefined;
      this.notify();
    }
  }

  /** Resolves once no transaction holds the connection (at shutdown: let the open one finish before closing). */
  async idle(): Promise<void> {
    while (this.holder !== undefined) await this.changed();
  }

  /** TypeORM calls this before every statement: one from outside the open transaction waits for its end. */
  beforeQuery(event: BeforeQueryEvent): Promise<void> | void {
    if (this.insideHolder()) return;
    if (this.holder === undefined) {
      this.enterOutside(event.parameters);
      return;
    }
    return this.enterOutsideLater(event.parameters);
  }

  /** TypeORM calls this after every statement, whether it succeeded or failed. */
  afterQuery(event: AfterQueryEvent): void {
    const parameters = event.parameters;
    if (parameters === undefined || !this.counted.has(parameters)) return;
    this.counted.delete(parameters);
    if (--this.outside === 0) this.notify();
  }

  /** A transaction opened without `run()` would let other requests' statements into it: refuse it. */
  beforeTransactionStart(_event: TransactionStartEvent): void {
    if (this.insideHolder()) return;
    throw new Error(
      'A transaction was started on the SQLite DataSource outside TransactionHost: start it with @Transactional() ' +
        'or TransactionHost.withTransaction(), which give it the connection to itself.',
    );
  }

  private insideHolder(): boolean {
    return this.holder !== undefined && this.contexts.getStore() === this.holder;
  }

  private async enterOutsideLater(parameters: object | undefined): Promise<void> {
    while (this.holder !== undefined) await this.changed();
    this.enterOutside(parameters);
  }

  private enterOutside(parameters: object | undefined): void {
    if (parameters === undefined) return;
    this.counted.add(parameters);
    this.outside++;
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The lock of a SQLite `DataSource`, subscribed to it on first use. */
export function sqliteTransactionLock(dataSource: DataSource): SqliteTransactionLock {
  const existing = dataSource.subscribers.find(
    (subscriber): subscriber is SqliteTransactionLock => subscriber instanceof SqliteTransactionLock,
  );
  if (existing) return existing;
  const lock = new SqliteTransactionLock();
  dataSource.subscribers.push(lock);
  return lock;
}
