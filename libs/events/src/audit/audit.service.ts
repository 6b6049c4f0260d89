import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { EventBusService } from '../bus/event-bus.service';
import { AuditDisabledError } from '../errors/audit-disabled.error';
import { EventsConfigError } from '../errors/events-config.error';
import type { EventSeverity } from '../event/bus-event.interface';
import { verifyTrail, type VerifyOptions } from './audit-verify';
import { Checkpointer } from './checkpointer';
import {
  AUDIT_STORE,
  type AuditHead,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditRow,
  type AuditStore,
  type AuditVerification,
} from './audit.interfaces';
import { AuditObserver } from './audit.observer';
import { AUDIT_OPTIONS, type ResolvedAuditOptions } from './audit.options';
import { encodeCursor, toStoreQuery } from './audit-query';
import { AuditWriteTracker } from './audit-write.tracker';
import { AuditWriter, type AuditWriterStats } from './audit-writer';
import { SqliteAuditStore } from './stores/sqlite-audit.store';

/** Internal token: which option the module's audit REST controller was declared from, when it has one. */
export const AUDIT_CONTROLLER_REGISTERED = Symbol('nestjs-event-bus:audit-controller-registered');
/** `audit.controller` (given to `forRoot()`) or `auditController` (given to `forRootAsync()`). */
export type AuditControllerSource = 'audit.controller' | 'auditController';

/** Creates the store the options ask for (SQLite at `./data/audit.db` by default), or null when audit is off. */
export function createAuditStore(audit: false | ResolvedAuditOptions): AuditStore | null {
  if (!audit) return null;
  return audit.store ?? new SqliteAuditStore();
}

/**
 * Reads and checks the audit trail. Records are written by the bus as audited events are emitted; this service
 * queries them, verifies the hash chain and flushes pending writes. Its methods throw `AuditDisabledError` when
 * the `audit` option is off.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventAudit');
  private writer: AuditWriter | undefined;
  private checkpointer: Checkpointer | undefined;
  private removeObserver: (() => void) | undefined;

  constructor(
    private readonly bus: EventBusService,
    @Inject(AUDIT_OPTIONS) private readonly options: false | ResolvedAuditOptions,
    private readonly tracker: AuditWriteTracker,
    @Optional() @Inject(AUDIT_STORE) private readonly store?: AuditStore | null,
    @Optional()
    @Inject(AUDIT_CONTROLLER_REGISTERED)
    private readonly controllerSource?: AuditControllerSource,
  ) {}

  /** Whether the audit trail is on. */
  get enabled(): boolean {
    return this.options !== false;
  }

  async onModuleInit(): Promise<void> {
    this.checkControllerSource();
    const options = this.options;
    if (!options || !this.store) return;
    await this.store.init();
    const checkpointer = this.startCheckpoints(options, this.store);
    await checkpointer?.start();
    this.checkpointer = checkpointer;
    const writer = new AuditWriter(this.store, options, this.logger, this.tracker, {
      append: options.chainKey && { key: options.chainKey.key },
      committed: checkpointer && ((records) => checkpointer.written(records)),
    });
    this.writer = writer;
    this.tracker.auditStarted(() => writer.stats().buffered);
    this.removeObserver = this.bus.addObserver(new AuditObserver(this.bus, options.include, writer));
  }

  /** The checkpointer, when checkpoints are on and this process holds the key to sign them. */
  private startCheckpoints(options: ResolvedAuditOptions, store: AuditStore): Checkpointer | undefined {
    const checkpoints = options.checkpoints;
    if (checkpoints?.privateKey === undefined) return undefined;
    const signing = { ...checkpoints, privateKey: checkpoints.privateKey };
    return new Checkpointer(store, signing, options.chainKey?.keyring, this.logger);
  }

  /** The controller must be declared in exactly one place, and only for an audit trail that is on. */
  private checkControllerSource(): void {
    const fromFactory = this.options ? this.options.controller : false;
    if (this.controllerSource === 'auditController') {
      if (!this.options) {
        throw new EventsConfigError(
          'auditController',
          'an audit trail to serve: the options from the forRootAsync() factory must turn it on (audit: {...})',
          this.options,
        );
      }
      if (fromFactory) {
        throw new EventsConfigError(
          'audit.controller',
          'to be left out of the forRootAsync() factory when auditController is given (one controller, one place)',
          fromFactory,
        );
      }
    } else if (fromFactory && this.controllerSource !== 'audit.controller') {
      throw new EventsConfigError(
        'audit.controller',
        'to be given to EventsModule.forRoot(); with forRootAsync(), give it as forRootAsync({ auditController }) ' +
          'instead (routes are declared when the module is built, before the factory runs)',
        fromFactory,
      );
    }
  }

  /** Runs after the bus drained (`onModuleDestroy`): writes what is buffered, then closes the store. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.writer || !this.store) return;
    await this.writer.close();
    await this.checkpointer?.close();
    this.checkpointer = undefined;
    this.removeObserver?.();
    this.removeObserver = undefined;
    this.writer = undefined;
    await this.store.close();
  }

  /** Records matching the filters, oldest first, one page at a time (pass `nextCursor` back as `cursor`). */
  async query(query: AuditQuery = {}): Promise<AuditPage> {
    const store = this.activeStore();
    const storeQuery = toStoreQuery(query);
    const rows = await store.query({ ...storeQuery, limit: storeQuery.limit + 1 });
    const more = rows.length > storeQuery.limit;
    const page = more ? rows.slice(0, storeQuery.limit) : rows;
    const records = page.map(toRecord);
    return more ? { records, nextCursor: encodeCursor(page[page.length - 1].seq) } : { records };
  }

  /**
   * Walks the whole chain and reports the first record that was changed, deleted, reordered or inserted (keyed
   * records checked with `audit.chainKey`). A tail cut off the end or a suffix re-hashed without a key leaves a
   * valid chain: signed checkpoints (`audit.checkpoints`, read from the sink or given as `checkpoints`) and a head
   * saved earlier (`expectedHead`) catch those, and a checkpoint names the first record that changed. Flushes
   * pending writes first.
   */
  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    const store = this.activeStore();
    await this.writer?.flush().catch(() => undefined);
    return verifyTrail(store, this.options as ResolvedAuditOptions, options);
  }

  /** The last record's seq and hash: keep it somewhere else to detect truncation later. */
  async head(): Promise<AuditHead | undefined> {
    const store = this.activeStore();
    await this.writer?.flush();
    return store.head();
  }

  /** Writes every buffered record now. Rejects with `AuditWriteError` when the store fails (records are kept). */
  async flush(): Promise<void> {
    this.activeStore();
    await this.writer?.flush();
  }

  /** Counters of this process's writer: written, buffered, failures, refused, truncated. */
  stats(): AuditWriterStats {
    this.activeStore();
    return (
      this.writer?.stats() ?? {
        written: 0,
        buffered: 0,
        writeFailures: 0,
        dropped: 0,
        truncated: 0,
        sanitized: 0,
        refused: 0,
        withdrawn: 0,
      }
    );
  }

  private activeStore(): AuditStore {
    if (!this.options || !this.store) throw new AuditDisabledError();
    return this.store;
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    ...row,
    severity: row.severity as EventSeverity,
    data: JSON.parse(row.data) as unknown,
    keyId: row.keyId ?? null,
  };
}
