import { Module } from '@nestjs/common';
import { HandlerOutcomes } from './handler-outcomes';
import { TraceOwnersRepository } from './trace-owners.repository';
import { TraceController } from './trace.controller';
import { TraceService } from './trace.service';

/** The trace page (`GET /events/trace/:correlationId`) and the record of who opened each story. */
@Module({
  controllers: [TraceController],
  providers: [HandlerOutcomes, TraceService, TraceOwnersRepository],
  exports: [TraceOwnersRepository],
})
export class TraceModule {}
