import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventIdGenerator } from '../event/event-id.generator';
import { correlationIdFromHeaderMap, sanitizeCorrelationId } from './correlation-id';
import { CORRELATION_OPTIONS, type ResolvedCorrelationOptions } from './correlation.options';

/**
 * Internal: picks the correlation id of an incoming request or message (first valid configured header), or makes
 * a new one with `generateId` (checked like a header value) or a UUIDv7.
 */
@Injectable()
export class CorrelationIdSource {
  private readonly logger = new Logger('EventBus');
  private readonly ids = new EventIdGenerator();
  private readonly headers: readonly string[];
  private readonly custom: (() => string) | undefined;
  private warnedAboutCustom = false;

  constructor(@Inject(CORRELATION_OPTIONS) options: ResolvedCorrelationOptions) {
    this.headers = options.headers;
    this.custom = options.generateId;
  }

  /** The id a header map keyed by lowercase name (a Node request's `headers`) carries, else a generated one. */
  fromHeaderMap(map: Readonly<Record<string, unknown>>): string {
    return correlationIdFromHeaderMap(map, this.headers) ?? this.generate();
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
