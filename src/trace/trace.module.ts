import { Global, Module } from '@nestjs/common';
import { TraceAccessGuard } from './trace-access.guard';
import { TraceOwnersRepository } from './trace-owners.repository';

/**
 * Who opened each story, and who may read one: the guard of the plugin's trace controller
 * (`GET /events/trace/:correlationId` and its timeline page). Global, because the plugin's controller lives in
 * the events module and resolves the guard's dependencies there.
 */
@Global()
@Module({
  providers: [TraceOwnersRepository, TraceAccessGuard],
  exports: [TraceOwnersRepository, TraceAccessGuard],
})
export class TraceModule {}
