import type { TransactionalAdapter, TransactionalAdapterOptions } from '@nestjs-cls/transactional';
import { ClsServiceManager } from 'nestjs-cls';
import { OUTBOX_FRAME_KEY } from '../../context/context.keys';
import { EventsConfigError } from '../../errors/events-config.error';
import { TransactionFrame } from '../transaction-frame';

type Work = (...args: unknown[]) => Promise<unknown>;
type SetTx<TTx> = (client?: TTx) => void;

/** The adapter fields `@nestjs-cls/transactional` reads besides `optionsFactory`, copied as they are. */
const PLAIN_FIELDS = [
  'connectionToken',
  'connection',
  'defaultTxOptions',
  'extraProviderTokens',
  'supportsTransactionProxy',
] as const;
/** Lifecycle hooks the plugin calls on the adapter; they keep running on the adapter itself. */
const HOOKS = [
  'onModuleInit',
  'onModuleDestroy',
  'onApplicationBootstrap',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
] as const;

/**
 * Wraps a `@nestjs-cls/transactional` adapter (TypeORM, Prisma, Drizzle, `TransactionalAdapterPg`...) so that
 * events emitted inside its transactions go through the outbox: each transaction gets a frame in its nestjs-cls
 * context that keeps them; when the transaction's function returns they are written as outbox rows through the
 * transaction's own connection, before it commits (a failing write rolls the transaction back and rejects with
 * the write's error), and once it committed the relay is woken to deliver them. A rollback drops them.
 *
 * Nested transactions follow the propagation the adapter applies: a joined transaction (`Required`, the default)
 * shares its outer frame; `RequiresNew` has a frame of its own and its events are delivered after its own commit;
 * `Nested` (a savepoint) writes its rows through the savepoint, so they roll back with it.
 *
 * @example
 * ClsModule.forRoot({ plugins: [new ClsPluginTransactional({
 *   imports: [TypeOrmModule],
 *   adapter: transactionalOutbox(new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource })),
 * })] })
 */
export function transactionalOutbox<TConnection, TTx, TOptions>(
  adapter: TransactionalAdapter<TConnection, TTx, TOptions>,
): TransactionalAdapter<TConnection, TTx, TOptions> {
  if (typeof (adapter as Partial<typeof adapter> | null)?.optionsFactory !== 'function') {
    throw new EventsConfigError(
      'adapter',
      'a @nestjs-cls/transactional adapter (an object with optionsFactory)',
      adapter,
      'transactionalOutbox() argument',
    );
  }
  const wrapped: TransactionalAdapter<TConnection, TTx, TOptions> = {
    optionsFactory: (connection, extraProviders) =>
      withFrames(adapter.optionsFactory(connection, extraProviders)),
  };
  const target = wrapped as unknown as Record<string, unknown>;
  const source = adapter as unknown as Record<string, unknown>;
  for (const field of PLAIN_FIELDS) if (source[field] !== undefined) target[field] = source[field];
  for (const hook of HOOKS) {
    const run = source[hook];
    if (typeof run === 'function') target[hook] = run.bind(adapter);
  }
  return wrapped;
}

/** The adapter's options with each transaction (and savepoint) run inside a frame. */
function withFrames<TTx, TOptions>(
  options: TransactionalAdapterOptions<TTx, TOptions>,
): TransactionalAdapterOptions<TTx, TOptions> {
  const wrapped: TransactionalAdapterOptions<TTx, TOptions> = {
    ...options,
    wrapWithTransaction: (txOptions, fn, setTx) =>
      inFrame(false, fn, setTx, (run, record) => options.wrapWithTransaction(txOptions, run, record)),
  };
  const nested = options.wrapWithNestedTransaction;
  if (typeof nested === 'function') {
    // The host calls this only when the adapter supports savepoints: keep it absent otherwise.
    wrapped.wrapWithNestedTransaction = (txOptions, fn, setTx, tx) =>
      inFrame(tx, fn, setTx, (run, record) => nested(txOptions, run, record, tx));
  } else {
    delete wrapped.wrapWithNestedTransaction;
  }
  return wrapped;
}

/**
 * Runs `open` (the adapter's own wrapping) with a new frame as the context's current one. `savepointIn` is the
 * enclosing transaction's object for a savepoint, false for a transaction of its own.
 */
function inFrame<TTx>(
  savepointIn: TTx | false,
  fn: Work,
  setTx: SetTx<TTx>,
  open: (run: Work, record: SetTx<TTx>) => Promise<unknown>,
): Promise<unknown> {
  const cls = ClsServiceManager.getClsService();
  // The host opens every transaction inside a context of its own; without one there is nowhere to keep a frame.
  if (!cls.isActive()) return open(fn, setTx);
  const outer = cls.get(OUTBOX_FRAME_KEY) as TransactionFrame | undefined;
  const frame = new TransactionFrame(outer, savepointIn === false ? undefined : outer?.find(savepointIn));
  cls.set(OUTBOX_FRAME_KEY, frame);
  const run: Work = async (...args) => {
    const result = await fn(...args);
    await frame.flush();
    return result;
  };
  const record: SetTx<TTx> = (tx) => {
    if (tx !== undefined) frame.tx = tx;
    setTx(tx);
  };
  return open(run, record).then(
    (result) => {
      frame.committed();
      return result;
    },
    (error: unknown) => {
      frame.rolledBack();
      throw error;
    },
  );
}
