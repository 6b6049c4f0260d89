import { Module } from '@nestjs/common';
import { HandlerOutcomes } from './handler-outcomes';
import { TraceController } from './trace.controller';
import { TraceService } from './trace.service';

@Module({ controllers: [TraceController], providers: [HandlerOutcomes, TraceService] })
export class TraceModule {}
