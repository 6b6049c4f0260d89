import { EventBusService, EventsModule } from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { startApp } from './support/start-app';

it('eventLog writes one line per event through the app logger, at the severity level, never with payload values', async () => {
  const logger = new CaptureLogger();
  const { app } = await startApp(
    'express',
    { imports: [EventsModule.forRoot({ eventLog: { sampleDebug: 0.5 } })] },
    logger,
  );
  try {
    const bus = app.get(EventBusService);
    const placed = bus.emit('order.placed', { card: '4242 4242 4242 4242' }, { correlationId: 'req-42' });
    bus.emit('order.flagged', { reason: 'velocity' }, { severity: 'warning', causationId: placed.id });
    for (let i = 0; i < 4; i++) bus.emit('cache.hit', { key: 'k' }, { severity: 'debug' });

    const lines = logger.lines.filter((l) => l.context === 'EventLog');
    const orderLine = lines.find((l) => l.message.includes('type=order.placed'));
    expect(orderLine).toMatchObject({ level: 'log' });
    expect(orderLine?.message).toContain(
      `id=${placed.id} correlationId=req-42 severity=info source=app payloadBytes=`,
    );
    expect(lines.find((l) => l.message.includes('type=order.flagged'))).toMatchObject({ level: 'warn' });
    expect(lines.find((l) => l.message.includes('type=order.flagged'))?.message).toContain(
      `causationId=${placed.id}`,
    );
    expect(lines.filter((l) => l.message.includes('type=cache.hit'))).toHaveLength(2);
    expect(lines.some((l) => l.message.includes('type=system.startup'))).toBe(true);
    expect(lines.every((l) => !l.message.includes('4242') && !l.message.includes('velocity'))).toBe(true);
  } finally {
    await app.close();
  }
});
