import type { ModuleRef } from '@nestjs/core';
import { loadOptionalPeer } from '../common/optional-peer';
import { EventsConfigError } from '../errors/events-config.error';

/** What the outbox and the inbox use of `@nestjs-cls/transactional`'s `TransactionHost`. */
export interface TransactionHostLike {
  /** The current transaction's object (or the adapter's fallback outside one). */
  readonly tx: unknown;
  isTransactionActive(): boolean;
  withTransaction<R>(propagation: string, fn: () => Promise<R>): Promise<R>;
}

/** The parts of `@nestjs-cls/transactional` read here. */
interface TransactionalPackage {
  getTransactionHostToken(connectionName?: string): unknown;
  Propagation: { RequiresNew: string };
}

const PACKAGE = '@nestjs-cls/transactional';

/**
 * Finds the application's `TransactionHost` (of the outbox's `connectionName`) through the module, loading
 * `@nestjs-cls/transactional` only when asked (it is an optional peer). Until `settle()` a miss is asked again
 * (a provider may emit before the plugin's host exists); from then on the answer is kept.
 */
export class TransactionHostLoader {
  private host: TransactionHostLike | undefined;
  private settled = false;
  private peer: TransactionalPackage | undefined;

  constructor(
    private readonly moduleRef: Pick<ModuleRef, 'get'>,
    readonly connectionName: string | undefined,
  ) {}

  /** The host, or undefined when the transactional plugin (for this connection) is not registered. */
  find(): TransactionHostLike | undefined {
    if (this.host !== undefined || this.settled) return this.host;
    this.host = this.lookUp();
    return this.host;
  }

  /** Keeps the answer from now on (called once the application started). */
  settle(): void {
    this.find();
    this.settled = true;
  }

  /** The host and the `RequiresNew` propagation; throws `EventsConfigError` saying what to register. */
  require(): { host: TransactionHostLike; requiresNew: string } {
    const host = this.find();
    if (host === undefined || this.peer === undefined) {
      const named = this.connectionName === undefined ? '' : ` with connectionName "${this.connectionName}"`;
      throw new EventsConfigError(
        'idempotent',
        `a transaction manager for the inbox: register ClsPluginTransactional${named} (from ${PACKAGE}) in ` +
          'ClsModule.forRoot({ plugins }), with its adapter wrapped in transactionalOutbox()',
        true,
        'listener option',
      );
    }
    return { host, requiresNew: this.peer.Propagation.RequiresNew };
  }

  private lookUp(): TransactionHostLike | undefined {
    try {
      this.peer ??= loadOptionalPeer<TransactionalPackage>(PACKAGE, (cause) => cause as Error);
      const token = this.peer.getTransactionHostToken(this.connectionName);
      return this.moduleRef.get(token as string, { strict: false }) as TransactionHostLike;
    } catch {
      return undefined;
    }
  }
}
