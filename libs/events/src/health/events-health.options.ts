import { checkNumber } from '../common/option-checks';

/** Limits of the bus indicator. */
export interface BusHealthOptions {
  /** Down when more handlers than this are running or waiting to retry; default 1000. */
  maxInFlight?: number;
  /** Down when more than this many dead letters were added within `windowMs`; default 10. */
  maxNewDeadLetters?: number;
  /** The window for `maxNewDeadLetters`, in ms; default 60 s. */
  windowMs?: number;
}

/** Limits of the audit indicator. */
export interface AuditHealthOptions {
  /** How long the store may take to answer the reachability query; default 3000 ms. */
  timeoutMs?: number;
  /** Down when writes to the store have kept failing for longer than this; default 30 s. */
  maxFailingMs?: number;
}

/** Checks `checkBus()`'s limits and applies their defaults; a wrong one throws `EventsConfigError` naming it. */
export function resolveBusHealthOptions(options: BusHealthOptions): Required<BusHealthOptions> {
  const scope = 'checkBus() option';
  return {
    maxInFlight: checkNumber('maxInFlight', options.maxInFlight, 1000, { integer: true }, scope),
    maxNewDeadLetters: checkNumber(
      'maxNewDeadLetters',
      options.maxNewDeadLetters,
      10,
      { integer: true },
      scope,
    ),
    windowMs: checkNumber('windowMs', options.windowMs, 60_000, { min: 1, unit: 'milliseconds' }, scope),
  };
}

/** Checks `checkAudit()`'s limits and applies their defaults; a wrong one throws `EventsConfigError` naming it. */
export function resolveAuditHealthOptions(options: AuditHealthOptions): Required<AuditHealthOptions> {
  const scope = 'checkAudit() option';
  return {
    timeoutMs: checkNumber('timeoutMs', options.timeoutMs, 3000, { min: 1, unit: 'milliseconds' }, scope),
    maxFailingMs: checkNumber('maxFailingMs', options.maxFailingMs, 30_000, { unit: 'milliseconds' }, scope),
  };
}

/** Limits of the transport indicator. */
export interface TransportHealthOptions {
  /** How long the transport may take to report its health; default 3000 ms. */
  timeoutMs?: number;
}

/** Checks `checkTransport()`'s limits and applies their defaults. */
export function resolveTransportHealthOptions(
  options: TransportHealthOptions,
): Required<TransportHealthOptions> {
  const scope = 'checkTransport() option';
  return {
    timeoutMs: checkNumber('timeoutMs', options.timeoutMs, 3000, { min: 1, unit: 'milliseconds' }, scope),
  };
}

/** Limits of the outbox indicator (its age bound is the module's `outbox.health.maxAgeMs`). */
export interface OutboxHealthOptions {
  /** How long the outbox store may take to answer; default 3000 ms. */
  timeoutMs?: number;
}

/** Checks `checkOutbox()`'s limits and applies their defaults. */
export function resolveOutboxHealthOptions(options: OutboxHealthOptions): Required<OutboxHealthOptions> {
  const scope = 'checkOutbox() option';
  return {
    timeoutMs: checkNumber('timeoutMs', options.timeoutMs, 3000, { min: 1, unit: 'milliseconds' }, scope),
  };
}
