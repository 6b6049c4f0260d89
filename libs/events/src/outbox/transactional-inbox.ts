import type { EventHandler } from '../bus/bus.interfaces';
import type { EventInbox } from '../bus/ports/event-outbox.port';
import type { OutboxStore, SqlExecutor } from '../bus/ports/outbox-store.port';
import type { BusEvent } from '../event/bus-event.interface';
import type { ExecutorFactory } from './sql-executors';
import { executorResolver } from './sql-executors';
import type { TransactionHostLoader } from './transaction-host.loader';

/**
 * The inbox of `idempotent` listeners (the `EventInbox` port): each attempt of such a handler runs in a new
 * transaction of the app's `@nestjs-cls/transactional` host that first records (event id, handler name) in the
 * outbox store's inbox table. When that was recorded before, the handler is skipped (the attempt succeeds); else
 * the handler runs in the transaction, so what it writes through `TransactionHost.tx`, and the events it emits,
 * commit with the record or roll back with it when it throws (and the bus retries it per its policy). On SQLite
 * the inbox's transactions run one at a time.
 */
export class TransactionalInbox implements EventInbox {
  private readonly executorFor: (tx: unknown) => SqlExecutor;
  /** On SQLite, the inbox's transactions run one after another (see `oneAtATime`). */
  private queue: Promise<unknown> | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly hosts: TransactionHostLoader,
    executor: ExecutorFactory | undefined,
  ) {
    this.executorFor = executorResolver(executor);
    // An SQLite database has one writer, and ORMs give it one connection (TypeORM's driver turns a second
    // transaction opened meanwhile into a savepoint of the first, which would roll back with it).
    if (store.dialect === 'sqlite') this.queue = Promise.resolve();
  }

  wrap(handler: EventHandler, name: string): EventHandler {
    const { host, requiresNew } = this.hosts.require();
    const { store, executorFor } = this;
    const once = async (event: BusEvent): Promise<unknown> => {
      const first = await store.recordHandled(executorFor(host.tx), event.id, name);
      return first ? handler(event) : undefined;
    };
    const inTransaction = (event: BusEvent): Promise<unknown> =>
      this.oneAtATime(() => host.withTransaction(requiresNew, () => once(event)));
    // Keeps the handler's name for logs and stats made from the function.
    Object.defineProperty(inTransaction, 'name', { value: handler.name });
    return inTransaction as EventHandler;
  }

  /** Runs `work` now, or, on SQLite, once the inbox's transactions before it ended. */
  private oneAtATime<R>(work: () => Promise<R>): Promise<R> {
    if (this.queue === undefined) return work();
    const turn = this.queue.then(work);
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}
