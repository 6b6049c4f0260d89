import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EVENT_INBOX, EVENT_OUTBOX } from '../bus/ports/event-outbox.port';
import { OUTBOX_STORE, type OutboxStore } from '../bus/ports/outbox-store.port';
import { BusOutbox, type RelayFactory } from '../outbox/bus-outbox';
import { OUTBOX_OPTIONS, type ResolvedOutboxOptions } from '../outbox/outbox-module.options';
import { OutboxRelay } from '../outbox/outbox.relay';
import { TransactionHostLoader } from '../outbox/transaction-host.loader';
import { TransactionalInbox } from '../outbox/transactional-inbox';

/** Internal: finds the app's `TransactionHost` for the outbox and the inbox (null when the outbox is off). */
const TRANSACTION_HOSTS = Symbol('nestjs-event-bus:transaction-hosts');

type Options = false | ResolvedOutboxOptions;

const relayFactory: RelayFactory = (store, deliver, options) => new OutboxRelay(store, deliver, options);

/**
 * The outbox's providers: its store (prepared before anything that injects it is made, so no transaction can
 * write to missing tables), and the bus's `EventOutbox` and `EventInbox` ports. Each is null when the outbox is off.
 */
export const OUTBOX_PROVIDERS: Provider[] = [
  {
    provide: OUTBOX_STORE,
    inject: [OUTBOX_OPTIONS],
    useFactory: async (options: Options): Promise<OutboxStore | null> => {
      if (!options) return null;
      await options.store.prepare();
      return options.store;
    },
  },
  {
    provide: TRANSACTION_HOSTS,
    inject: [OUTBOX_OPTIONS, ModuleRef],
    useFactory: (options: Options, moduleRef: ModuleRef) =>
      options ? new TransactionHostLoader(moduleRef, options.connectionName) : null,
  },
  {
    provide: EVENT_OUTBOX,
    // The store comes first: the bus gets its outbox once the tables exist.
    inject: [OUTBOX_OPTIONS, OUTBOX_STORE, TRANSACTION_HOSTS],
    useFactory: (options: Options, _store: unknown, hosts: TransactionHostLoader | null) =>
      options && hosts ? new BusOutbox(options, hosts, relayFactory) : null,
  },
  {
    provide: EVENT_INBOX,
    inject: [OUTBOX_OPTIONS, OUTBOX_STORE, TRANSACTION_HOSTS],
    useFactory: (options: Options, store: OutboxStore | null, hosts: TransactionHostLoader | null) =>
      options && store && hosts ? new TransactionalInbox(store, hosts, options.executor) : null,
  },
];
