import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventBusService } from 'nestjs-event-bus';
import { isUniqueViolation } from '../database/database.errors';
import { ApiRequestRejected } from './api.events';

type RejectReason =
  'invalid-input' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'rate-limited' | 'other';

const REASONS: Partial<Record<number, RejectReason>> = {
  400: 'invalid-input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  429: 'rate-limited',
};

/**
 * Turns errors into JSON answers: HttpExceptions as they are (but a body that is not JSON gets a fixed message,
 * since the parser's own quotes the body), a unique-constraint violation as 409, anything else as a 500 without
 * internals. Every 4xx is announced as `api.request.rejected` (in the request's correlation).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly bus: EventBusService,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = this.describe(exception);
    if (status >= 400 && status < 500) {
      const message = typeof body.message === 'string' ? body.message : String(body.error ?? 'rejected');
      this.bus.emit(ApiRequestRejected, {
        status,
        reason: REASONS[status] ?? 'other',
        message: message.slice(0, 500),
      });
    } else {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    const response = host.switchToHttp().getResponse<unknown>();
    this.adapterHost.httpAdapter.reply(response, body, status);
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown> } {
    // The body parser's error quotes the malformed body ("...\"password\":hunter2..."): never echo or keep it.
    if (exception instanceof HttpException && exception.cause instanceof SyntaxError) {
      return {
        status: HttpStatus.BAD_REQUEST,
        body: { statusCode: 400, error: 'Bad Request', message: 'The request body is not valid JSON.' },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const body =
        typeof response === 'string'
          ? { statusCode: status, message: response }
          : (response as Record<string, unknown>);
      return { status, body };
    }
    if (isUniqueViolation(exception)) {
      return {
        status: HttpStatus.CONFLICT,
        body: { statusCode: 409, error: 'Conflict', message: 'That value is already taken.' },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side.' },
    };
  }
}
