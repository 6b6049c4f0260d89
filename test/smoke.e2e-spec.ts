import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventBusService, EventsModule, OnEvent, type BusEvent } from 'nestjs-event-bus';

@Injectable()
class Listener {
  seen: BusEvent[] = [];
  @OnEvent('user.created')
  handle(event: BusEvent) {
    this.seen.push(event);
  }
}

it('boots and delivers', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [EventsModule.forRoot()],
    providers: [Listener],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  app.get(EventBusService).emit('user.created', { id: '1' });
  expect(app.get(Listener).seen).toHaveLength(1);
  await app.close();
});
