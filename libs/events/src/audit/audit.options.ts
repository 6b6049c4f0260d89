import type { CanActivate, Type } from '@nestjs/common';
import { EventsConfigError } from '../errors/events-config.error';
import { explainPattern } from '../event/event-type';
import { checkNumber, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import {
  DEFAULT_REDACTED_KEYS,
  DEFAULT_REDACTION_MARKER,
  type ResolvedRedaction,
} from '../event/key-redactor';
import type { AuditStore } from './audit.interfaces';
import {
  resolveChainKey,
  resolveCheckpoints,
  type AuditChainKeyOptions,
  type AuditCheckpointOptions,
  type ResolvedChainKey,
  type ResolvedCheckpoints,
} from './integrity.options';

/** Options of the audit trail (`EventsModule.forRoot({ audit })`); `audit: {}` = SQLite at `./data/audit.db`. */
export interface AuditOptions {
  /** Where records go; default `new SqliteAuditStore()` (`./data/audit.db`). */
  store?: AuditStore;
  /** Patterns of event types to record besides those whose definition says `audit: true` (`order.*`, `**`). */
  include?: string[];
  /**
   * Which payload keys are secret. Applies to every event when it is created (before history, logs, handlers and
   * the audit trail see it). `keys` replaces the default word list (`DEFAULT_REDACTED_KEYS`); `false` turns
   * redaction off for every event.
   */
  redact?: { keys?: string[]; marker?: string } | false;
  /**
   * `batched` (default): records are written in the background in batches; a crash loses at most the last batch
   * window. `sync`: `emitAsync()` resolves only once the record is committed.
   */
  durability?: 'batched' | 'sync';
  /** Batched mode: write when `maxSize` records wait (default 500) or `maxDelayMs` passed (default 100). */
  batch?: { maxSize?: number; maxDelayMs?: number };
  /** A payload larger than this (bytes of canonical JSON, default 65,536) is stored truncated, with a marker. */
  maxRecordBytes?: number;
  /** Records kept in memory while the store cannot be written (default 100,000); beyond, new records are refused. */
  maxBufferedRecords?: number;
  /** Serve `GET /audit` and `GET /audit/verify` (off by default). A guard is required. */
  controller?: AuditControllerOptions;
  /** Sign each record's hash with a key the app holds (HMAC-SHA256); see docs/audit.md. Off by default. */
  chainKey?: AuditChainKeyOptions;
  /** Write Ed25519-signed checkpoints of the chain to a sink of your choice; see docs/audit.md. Off by default. */
  checkpoints?: AuditCheckpointOptions;
}

/** The REST controller's options. */
export interface AuditControllerOptions {
  /** Route prefix; default `audit`. */
  path?: string;
  /** Who may read the audit trail: a guard class (resolved by Nest) or instance. Required. */
  guard: Type<CanActivate> | CanActivate;
}

/** The audit options with defaults applied. */
export interface ResolvedAuditOptions {
  store: AuditStore | undefined;
  include: readonly string[];
  durability: 'batched' | 'sync';
  batch: { maxSize: number; maxDelayMs: number };
  maxRecordBytes: number;
  maxBufferedRecords: number;
  controller: false | { path: string; guard: Type<CanActivate> | CanActivate };
  chainKey: ResolvedChainKey | undefined;
  checkpoints: ResolvedCheckpoints | undefined;
}

const AUDIT_KEYS = [
  'store',
  'include',
  'redact',
  'durability',
  'batch',
  'maxRecordBytes',
  'maxBufferedRecords',
  'controller',
  'chainKey',
  'checkpoints',
];
const STORE_METHODS = ['init', 'append', 'query', 'head', 'close'] as const;

/** Injection token of the resolved audit options (`false` when the audit trail is off). */
export const AUDIT_OPTIONS = Symbol('nestjs-event-bus:audit-options');

/** Checks `audit` and applies its defaults; a wrong value throws `EventsConfigError` naming the option. */
export function resolveAuditOptions(audit: unknown): false | ResolvedAuditOptions {
  if (audit === undefined || audit === false) return false;
  if (!isRecord(audit)) {
    throw new EventsConfigError(
      'audit',
      'false or an object of audit options ({} = SQLite at ./data/audit.db)',
      audit,
    );
  }
  const options = audit as AuditOptions;
  rejectUnknownKeys('audit', options, AUDIT_KEYS);
  resolveRedaction(options);
  return {
    store: checkStore(options.store),
    include: checkInclude(options.include),
    durability: checkDurability(options.durability),
    batch: checkBatch(options.batch),
    maxRecordBytes: checkNumber('audit.maxRecordBytes', options.maxRecordBytes, 65_536, {
      min: 1024,
      integer: true,
    }),
    maxBufferedRecords: checkNumber('audit.maxBufferedRecords', options.maxBufferedRecords, 100_000, {
      min: 1,
      integer: true,
    }),
    controller: checkController(options.controller),
    chainKey: resolveChainKey(options.chainKey),
    checkpoints: resolveCheckpoints(options.checkpoints),
  };
}

/** Redaction for every event: the defaults unless `audit.redact` says otherwise. */
export function resolveRedaction(audit: unknown): ResolvedRedaction {
  const defaults = { keys: DEFAULT_REDACTED_KEYS, marker: DEFAULT_REDACTION_MARKER };
  if (typeof audit !== 'object' || audit === null) return defaults;
  const redact = (audit as AuditOptions).redact;
  if (redact === undefined) return defaults;
  if (redact === false) return false;
  if (typeof redact !== 'object' || redact === null) {
    throw new EventsConfigError('audit.redact', 'false or { keys?: string[], marker?: string }', redact);
  }
  const { keys, marker } = redact;
  if (
    keys !== undefined &&
    (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && k.trim() !== ''))
  ) {
    throw new EventsConfigError('audit.redact.keys', 'an array of non-empty strings', keys);
  }
  if (marker !== undefined && typeof marker !== 'string') {
    throw new EventsConfigError('audit.redact.marker', 'a string', marker);
  }
  return { keys: keys ?? DEFAULT_REDACTED_KEYS, marker: marker ?? DEFAULT_REDACTION_MARKER };
}

function checkStore(store: unknown): AuditStore | undefined {
  if (store === undefined) return undefined;
  const candidate = store as Record<string, unknown> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !STORE_METHODS.every((m) => typeof candidate[m] === 'function')
  ) {
    throw new EventsConfigError(
      'audit.store',
      `an AuditStore (SqliteAuditStore, PostgresAuditStore, MemoryAuditStore or an object with ${STORE_METHODS.join(', ')})`,
      store,
    );
  }
  return store as AuditStore;
}

function checkInclude(include: unknown): readonly string[] {
  if (include === undefined) return [];
  if (!Array.isArray(include))
    throw new EventsConfigError('audit.include', 'an array of event type patterns', include);
  for (const pattern of include) {
    const problem = explainPattern(pattern);
    if (problem) throw new EventsConfigError('audit.include', `event type patterns (${problem})`, pattern);
  }
  return [...(include as string[])];
}

function checkDurability(durability: unknown): 'batched' | 'sync' {
  if (durability === undefined) return 'batched';
  if (durability !== 'batched' && durability !== 'sync') {
    throw new EventsConfigError('audit.durability', "'batched' or 'sync'", durability);
  }
  return durability;
}

function checkBatch(batch: unknown): ResolvedAuditOptions['batch'] {
  if (batch === undefined) return { maxSize: 500, maxDelayMs: 100 };
  if (typeof batch !== 'object' || batch === null) {
    throw new EventsConfigError('audit.batch', '{ maxSize?, maxDelayMs? }', batch);
  }
  const { maxSize, maxDelayMs } = batch as { maxSize?: unknown; maxDelayMs?: unknown };
  return {
    maxSize: checkNumber('audit.batch.maxSize', maxSize, 500, { min: 1, integer: true }),
    maxDelayMs: checkNumber('audit.batch.maxDelayMs', maxDelayMs, 100, { min: 0, integer: true }),
  };
}

/**
 * The REST controller's options checked, with the default path; false when absent. `option` names them in errors
 * (`audit.controller` for `forRoot()`, `auditController` for `forRootAsync()`).
 */
export function checkController(
  controller: unknown,
  option = 'audit.controller',
): ResolvedAuditOptions['controller'] {
  if (controller === undefined || controller === false) return false;
  if (typeof controller !== 'object' || controller === null) {
    throw new EventsConfigError(option, '{ guard, path? }', controller);
  }
  const { guard, path } = controller as { guard?: unknown; path?: unknown };
  const isGuard =
    typeof guard === 'function' ||
    (typeof guard === 'object' && guard !== null && typeof (guard as CanActivate).canActivate === 'function');
  if (!isGuard) {
    throw new EventsConfigError(
      `${option}.guard`,
      'a guard (a CanActivate class or instance): the audit trail is not served without one',
      guard,
    );
  }
  if (path !== undefined && (typeof path !== 'string' || !/^\/?[A-Za-z0-9_\-/]+$/.test(path))) {
    throw new EventsConfigError(`${option}.path`, 'a route path such as "audit" or "admin/audit"', path);
  }
  return { path: (path ?? 'audit').replace(/^\/+/, ''), guard: guard as Type<CanActivate> | CanActivate };
}
