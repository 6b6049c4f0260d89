import { Module } from '@nestjs/common';
import { EventsModule } from 'nestjs-event-bus';
import { HealthModule } from './health/health.module';

@Module({
  imports: [EventsModule.forRoot({ source: 'example-app' }), HealthModule],
})
export class AppModule {}
