import { Controller, Get, Header, UseGuards, type Type } from '@nestjs/common';
import type { AsyncApiDocument } from './asyncapi.document';
import type { ResolvedAsyncApiOptions } from './asyncapi.options';
import { EventCatalog } from './event-catalog';

/** Builds the controller serving the AsyncAPI document at `options.path` (behind `options.guard` when given). */
export function createAsyncApiController(options: ResolvedAsyncApiOptions): Type<unknown> {
  @Controller()
  class AsyncApiController {
    constructor(private readonly catalog: EventCatalog) {}

    @Get(options.path)
    @Header('Cache-Control', 'no-cache')
    document(): AsyncApiDocument {
      return this.catalog.asyncApi(options.info);
    }
  }
  if (options.guard !== undefined) UseGuards(options.guard)(AsyncApiController);
  return AsyncApiController;
}
