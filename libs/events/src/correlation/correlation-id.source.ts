import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventIdGenerator } from '../event/event-id.generator';
import { correlationIdFromHeaderMap, sanitizeCorrelationId } from './correlation-id';
import type { ResolvedClientIdTrust } from './client-id-trust';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';

/**
 * Internal: picks the correlation id of an incoming request or message (first valid configured header, from an
 * HTTP caller only when `trustClientIds` trusts it), or makes a new one with `generateId` (checked like a header
 * value) or a UUIDv7.
 */
@Injectable()
export class CorrelationIdSource {
  private readonly logger = new Logger('EventBus');
  private readonly ids = new EventIdGenerator();
  private readonly headers: readonly string[];
  private readonly custom: (() => string) | undefined;
  private readonly trust: ResolvedClientIdTrust;
  private warnedAboutCustom = false;
  private warnedAboutTrust = false;

  constructor(@Inject(CORRELATION_OPTIONS) options: ResolvedCorrelationOptions) {
    this.headers = options.headers;
    this.custom = options.generateId;
    this.trust = options.trustClientIds;
  }

  /** The id of an HTTP request: from its headers when its caller is trusted to choose one, else a new one. */
  fromRequest(request: IncomingMessage): string {
    const trust = this.trust;
    if (trust === true || (trust !== false && this.trusts(trust, request))) {
      return this.fromHeaderMap(request.headers);
    }
    return this.generate();
  }

  /** The id a header map keyed by lowercase name (a Node request's `headers`) carries, else a generated one. */
  fromHeaderMap(map: Readonly<Record<string, unknown>>): string {
    return correlationIdFromHeaderMap(map, this.headers) ?? this.generate();
  }

  /** Runs the app's trust check; one that throws or answers anything but `true` means "not trusted". */
  private trusts(check: (request: IncomingMessage) => boolean, request: IncomingMessage): boolean {
    try {
      return check(request) === true;
    } catch {
      if (!this.warnedAboutTrust) {
        this.warnedAboutTrust = true;
        this.logger.warn(
          'correlation.trustClientIds threw; such requests are treated as untrusted and get a generated id.',
        );
      }
      return false;
    }
  }

  /** A new correlation id. */
  generate(): string {
    if (this.custom === undefined) return this.ids.next();
    let id: string | undefined;
    try {
      id = sanitizeCorrelationId(this.custom());
    } catch {
      id = undefined;
    }
    if (id === undefined && !this.warnedAboutCustom) {
      this.warnedAboutCustom = true;
      this.logger.warn(
        'correlation.generateId threw or returned something other than 1-128 characters of [A-Za-z0-9._:-]; ' +
          'UUIDv7 ids are used instead when that happens.',
      );
    }
    return id ?? this.ids.next();
  }
}
