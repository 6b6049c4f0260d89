import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { BusObserver } from '../bus/bus-observer';
import { EventBusService } from '../bus/event-bus.service';
import type { BusEvent, EventSeverity } from '../event/bus-event.interface';
import { pickEnvelope } from '../event/event-envelope';
import { EVENT_LOG_OPTIONS, type ResolvedEventLogOptions } from './event-log.options';

/** The fields of one event-log line. Payload values are never logged: only the payload's size. */
export interface EventLogEntry {
  msg: 'event';
  type: string;
  id: string;
  correlationId: string;
  causationId?: string;
  actorId?: string;
  severity: EventSeverity;
  source: string;
  /** UTF-8 bytes of the payload as JSON. */
  payloadBytes: number;
}

type LogMethod = 'debug' | 'log' | 'warn' | 'error' | 'fatal';

const METHOD_BY_SEVERITY: Readonly<Record<EventSeverity, LogMethod>> = Object.freeze({
  debug: 'debug',
  info: 'log',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
});

/**
 * Writes one structured line per recorded event when the `eventLog` option is on, at the log level of the
 * event's severity (`critical` -> fatal), through the app's Nest logger. `debug` events are sampled.
 */
@Injectable()
export class EventLog implements OnApplicationShutdown {
  private readonly removeObserver: (() => void) | undefined;

  constructor(bus: EventBusService, @Inject(EVENT_LOG_OPTIONS) options: false | ResolvedEventLogOptions) {
    if (!options) return;
    this.removeObserver = bus.addObserver(new EventLogObserver(options, new Logger(options.context)));
  }

  onApplicationShutdown(): void {
    this.removeObserver?.();
  }
}

/** The observer behind `EventLog`; separate so it can be tested with any logger. */
export class EventLogObserver implements BusObserver {
  /** Deterministic sampling: a debug event is logged each time the running share reaches one. */
  private debugCredit = 0;

  constructor(
    private readonly options: ResolvedEventLogOptions,
    private readonly logger: Pick<Logger, LogMethod>,
  ) {
    // Log the first debug event, so a low rate still shows something right away.
    this.debugCredit = options.sampleDebug > 0 ? 1 - options.sampleDebug : 0;
  }

  onEvent(event: BusEvent): void {
    if (event.severity === 'debug' && !this.sampleDebug()) return;
    const entry = toEntry(event);
    const method = METHOD_BY_SEVERITY[event.severity];
    this.logger[method](this.options.format === 'json' ? entry : toText(entry));
  }

  private sampleDebug(): boolean {
    const rate = this.options.sampleDebug;
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    this.debugCredit += rate;
    if (this.debugCredit < 1) return false;
    this.debugCredit -= 1;
    return true;
  }
}

/** The envelope fields of a log line, in reading order (ids first); payload values are never logged. */
const LOGGED_FIELDS = [
  'type',
  'id',
  'correlationId',
  'causationId',
  'actorId',
  'severity',
  'source',
] as const;

/** The log fields of an event: ids, type, severity, source and payload size, never payload values. */
export function toEntry(event: BusEvent): EventLogEntry {
  // Unset optional ids are left out, so lines stay short.
  return { msg: 'event', ...pickEnvelope(event, LOGGED_FIELDS), payloadBytes: payloadBytes(event.data) };
}

/** `event type=user.created id=... correlationId=...`: one line, values quoted when they need it. */
function toText(entry: EventLogEntry): string {
  let line = 'event';
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'msg') continue;
    line += ` ${key}=${formatValue(value as string | number)}`;
  }
  return line;
}

function formatValue(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return /^[A-Za-z0-9._:\-/@]+$/.test(value) ? value : JSON.stringify(value);
}

function payloadBytes(data: unknown): number {
  if (data === null || data === undefined) return 0;
  // Events hold plain JSON data (checked at emit), so stringify cannot throw here.
  return Buffer.byteLength(JSON.stringify(data), 'utf8');
}
