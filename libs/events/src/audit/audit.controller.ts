import {
  BadRequestException,
  Controller,
  Get,
  Query,
  UseGuards,
  type CanActivate,
  type Type,
} from '@nestjs/common';
import { AuditQueryError } from '../errors/audit-query.error';
import type { AuditPage, AuditVerification } from './audit.interfaces';
import { AuditService } from './audit.service';

/**
 * Builds the REST controller for one module: `GET /<path>` (query) and `GET /<path>/verify`, behind `guard`.
 * A fresh class per call, so two apps in one process never share routes or guards.
 */
export function createAuditController(path: string, guard: Type<CanActivate> | CanActivate): Type<unknown> {
  @Controller(path)
  @UseGuards(guard)
  class AuditController {
    constructor(private readonly audit: AuditService) {}

    @Get()
    list(@Query() query: Record<string, string | undefined>): Promise<AuditPage> {
      const limit = query.limit === undefined ? undefined : Number(query.limit);
      return asBadRequest(() =>
        this.audit.query({
          correlationId: query.correlationId,
          type: query.type,
          actorId: query.actorId,
          from: query.from,
          to: query.to,
          cursor: query.cursor,
          limit,
        }),
      );
    }

    @Get('verify')
    verify(@Query() query: Record<string, string | undefined>): Promise<AuditVerification> {
      return asBadRequest(async () => {
        if (query.headSeq === undefined && query.headHash === undefined) return this.audit.verify();
        const seq = Number(query.headSeq);
        if (!Number.isInteger(seq) || seq < 1 || !/^[0-9a-f]{64}$/.test(query.headHash ?? '')) {
          throw new AuditQueryError(
            'headSeq must be a whole number >= 1 and headHash a 64-digit hex sha256.',
          );
        }
        return this.audit.verify({ expectedHead: { seq, hash: query.headHash as string } });
      });
    }
  }
  return AuditController;
}

/** The service knows no HTTP: a malformed query is the client's fault, so it is answered 400 here. */
async function asBadRequest<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AuditQueryError) throw new BadRequestException(error.message, { cause: error });
    throw error;
  }
}
