import { Controller, Get, Header, Param, UseGuards, type Type } from '@nestjs/common';
import type { EventTrace } from './trace.interfaces';
import type { ResolvedTraceController } from './trace.options';
import { TraceNotFoundException } from './trace-not-found.exception';
import { TRACE_PAGE_CSP, TRACE_PAGE_HTML } from './trace-page.html';
import { TraceService } from './trace.service';

/**
 * Builds the trace controllers of one module: `GET /<path>/:correlationId` (the story as JSON, behind `guard`)
 * and, unless turned off, `GET /<path>/:correlationId/page` (the timeline page, which holds no data). Fresh
 * classes per call, so two apps in one process never share routes or guards.
 */
export function createTraceControllers(options: ResolvedTraceController): Type<unknown>[] {
  @Controller(options.path)
  @UseGuards(options.guard)
  class TraceController {
    constructor(private readonly traces: TraceService) {}

    /** The story; 404 (the same answer your guard gives with `TraceNotFoundException`) when it has no event. */
    @Get(':correlationId')
    @Header('Cache-Control', 'no-store')
    async read(@Param('correlationId') correlationId: string): Promise<EventTrace> {
      const trace = await this.traces.trace(correlationId);
      if (trace.events === 0) throw new TraceNotFoundException();
      this.traces.viewed(trace);
      return trace;
    }
  }
  if (options.page === false) return [TraceController];

  @Controller(options.path)
  class TracePageController {
    @Get(':correlationId/page')
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Content-Security-Policy', TRACE_PAGE_CSP)
    @Header('X-Content-Type-Options', 'nosniff')
    @Header('Referrer-Policy', 'no-referrer')
    @Header('Cache-Control', 'no-cache')
    page(): string {
      return TRACE_PAGE_HTML;
    }
  }
  for (const decorate of options.page.decorators) decorate(TracePageController);
  return [TraceController, TracePageController];
}
