import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { AuditRecord } from '../audit/audit.interfaces';
import { AuditService } from '../audit/audit.service';
import { BUS_OPTIONS, type BusOptions } from '../bus/bus.options';
import { EventBusService } from '../bus/event-bus.service';
import { sanitizeCorrelationId } from '../correlation/correlation-id';
import { EventsConfigError } from '../errors/events-config.error';
import { MemoryTraceStore } from './memory-trace.store';
import type { EventTrace } from './trace.interfaces';
import { TRACE_OPTIONS, type ResolvedTraceOptions } from './trace.options';
import { TraceViewed } from './trace.events';
import { TraceRecorder } from './trace.recorder';
import type { TraceEntry, TraceStore } from './trace-store.port';
import { buildTrace } from './trace-tree';

/** Internal token: which option the module's trace controller was declared from, when it has one. */
export const TRACE_CONTROLLER_REGISTERED = Symbol('nestjs-event-bus:trace-controller-registered');
/** `trace.controller` (given to `forRoot()`) or `traceController` (given to `forRootAsync()`). */
export type TraceControllerSource = 'trace.controller' | 'traceController';

/** Audit pages read for one story at most (500 records each). */
const MAX_AUDIT_PAGES = 20;
/** Entries queued for the store at most; beyond, entries are dropped (the trace is best effort). */
const MAX_BUFFERED = 50_000;

/**
 * Reads back one correlation id's story: the events (this process's history, the audit trail, and what every
 * process recorded in the trace store), arranged by causation, each with its handlers' attempts and dead
 * letters. With `trace` options, this process records its own part of every story into the trace store.
 */
@Injectable()
export class TraceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('EventTrace');
  private readonly store: TraceStore | undefined;
  private recorder: TraceRecorder | undefined;
  private removeObserver: (() => void) | undefined;

  constructor(
    private readonly bus: EventBusService,
    @Inject(TRACE_OPTIONS) private readonly options: ResolvedTraceOptions,
    @Inject(BUS_OPTIONS) private readonly busOptions: BusOptions,
    @Optional() private readonly audit?: AuditService,
    @Optional()
    @Inject(TRACE_CONTROLLER_REGISTERED)
    private readonly controllerSource?: TraceControllerSource,
  ) {
    // A served story shows handler attempts only if they are recorded: a controller turns recording on.
    const records = options.recording || controllerSource !== undefined;
    this.store = records ? (options.store ?? new MemoryTraceStore()) : undefined;
  }

  /** Whether this process records its part of every story (the `trace` option is given). */
  get recording(): boolean {
    return this.recorder !== undefined;
  }

  async onModuleInit(): Promise<void> {
    this.checkControllerSource();
    if (this.controllerSource !== undefined) this.bus.register(TraceViewed);
    if (this.store === undefined) return;
    await this.store.init?.();
    this.recorder = new TraceRecorder(
      this.store,
      {
        source: this.busOptions.source,
        instance: `${hostname()}:${process.pid}`,
        flushMs: this.options.flushMs,
        maxBuffered: MAX_BUFFERED,
      },
      this.logger,
    );
    this.removeObserver = this.bus.addObserver(this.recorder);
  }

  /** Runs after the bus drained: writes what is queued, then closes the store. */
  async onApplicationShutdown(): Promise<void> {
    if (this.recorder === undefined) return;
    await this.recorder.close();
    this.removeObserver?.();
    this.recorder = undefined;
    await this.store?.close?.();
  }

  /**
   * The story of `correlationId` as a causal tree. Unknown (or malformed) ids give a trace with `events: 0`.
   * Entries other processes recorded show up once they flushed them (every `trace.flushMs`).
   */
  async trace(correlationId: string): Promise<EventTrace> {
    if (sanitizeCorrelationId(correlationId) === undefined) return buildTrace(String(correlationId), EMPTY);
    await this.recorder?.flush();
    const [audit, recorded] = await Promise.all([
      this.auditRecords(correlationId),
      this.recordedEntries(correlationId),
    ]);
    return buildTrace(correlationId, {
      history: this.bus.history({ correlationId }),
      audit,
      recorded,
      deadLetters: this.bus.deadLetters({ correlationId }),
    });
  }

  /** Tells that a story was read (the trace controller does, once it served one). */
  viewed(trace: EventTrace): void {
    this.bus.emit(TraceViewed, { correlationId: trace.correlationId, events: trace.events });
  }

  private async recordedEntries(correlationId: string): Promise<TraceEntry[]> {
    if (this.store === undefined) return [];
    try {
      return await this.store.read(correlationId);
    } catch (error) {
      this.logger.warn(`Reading the trace store failed; the story shows this process's part only: ${error}`);
      return [];
    }
  }

  private async auditRecords(correlationId: string): Promise<AuditRecord[]> {
    if (!this.audit?.enabled) return [];
    await this.audit.flush().catch(() => undefined);
    const records: AuditRecord[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_AUDIT_PAGES; page++) {
      const result = await this.audit.query({ correlationId, cursor, limit: 500 });
      records.push(...result.records);
      if (result.nextCursor === undefined) break;
      cursor = result.nextCursor;
    }
    return records;
  }

  /** The controller is declared in one place: `forRoot({ trace: { controller } })` or `forRootAsync({ traceController })`. */
  private checkControllerSource(): void {
    const fromOptions = this.options.controller;
    if (this.controllerSource === 'traceController' && fromOptions) {
      throw new EventsConfigError(
        'trace.controller',
        'to be left out of the forRootAsync() factory when traceController is given (one controller, one place)',
        fromOptions,
      );
    }
    if (fromOptions && this.controllerSource === undefined) {
      throw new EventsConfigError(
        'trace.controller',
        'to be given to EventsModule.forRoot(); with forRootAsync(), give it as forRootAsync({ traceController }) ' +
          'instead (routes are declared when the module is built, before the factory runs)',
        fromOptions,
      );
    }
  }
}

const EMPTY = { history: [], audit: [], recorded: [], deadLetters: [] } as const;
