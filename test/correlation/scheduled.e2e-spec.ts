import { Test, type TestingModule } from '@nestjs/testing';
import { EventBusService, EventContext } from 'nestjs-event-bus';
import {
  CleanupDone,
  REPORT_RUNS,
  ReportJob,
  ReportTick,
  ScheduledAppModule,
} from './fixtures/scheduled.fixture';
import { UUID_V7 } from './support/http-app';
import { delay, until } from '../support/wait';

describe('correlation outside requests', () => {
  let moduleRef: TestingModule;
  let bus: EventBusService;
  let job: ReportJob;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [ScheduledAppModule] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    bus = moduleRef.get(EventBusService);
    job = moduleRef.get(ReportJob);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('gives each run of a @Correlated() scheduled method its own correlation id, kept by its events and handlers', async () => {
    await until(() => job.handled.length >= REPORT_RUNS);
    await bus.drain(2000);
    expect(job.runs).toHaveLength(REPORT_RUNS);
    const ids = job.runs.map((run) => run.correlationId);
    expect(new Set(ids).size).toBe(REPORT_RUNS);
    job.runs.forEach((run, i) => {
      expect(run.correlationId).toMatch(UUID_V7);
      expect(run.causationId).toBeUndefined();
      expect(run.event).toMatchObject({
        type: ReportTick.type,
        correlationId: run.correlationId,
        actorId: `job-${i + 1}`,
      });
      expect(bus.history({ correlationId: run.correlationId })).toEqual([run.event]);
    });
    for (const handled of job.handled) {
      const run = job.runs.find((r) => r.event?.id === handled.event?.id)!;
      expect(handled).toMatchObject({
        correlationId: run.correlationId,
        causationId: run.event!.id,
        actorId: run.actorId,
      });
    }
  });

  it('works with @Correlated() above the schedule decorator too', async () => {
    await until(() => job.cleanup !== undefined);
    expect(job.cleanup?.correlationId).toMatch(UUID_V7);
    expect(bus.history({ type: CleanupDone.type }).map((e) => e.correlationId)).toEqual([
      job.cleanup!.correlationId,
    ]);
  });

  it('starts a fresh story even when called inside another context', () => {
    const context = moduleRef.get(EventContext);
    const inner = context.run(() => job.manual(), { correlationId: 'outer-story' });
    expect(inner).toMatch(UUID_V7);
    expect(inner).not.toBe('outer-story');
  });

  it('EventContext.run() sets the correlation id and actor for what runs inside, sync and async', async () => {
    const context = moduleRef.get(EventContext);
    expect(context.isActive()).toBe(false);
    const event = await context.run(
      async () => {
        await delay(1);
        return bus.emit('cli.command.ran', { name: 'reindex' });
      },
      { correlationId: 'cli-42', actorId: 'ops' },
    );
    expect(event).toMatchObject({ correlationId: 'cli-42', actorId: 'ops' });
    const generated = context.run(() => bus.emit('cli.command.ran', { name: 'other' }));
    expect(generated.correlationId).toMatch(UUID_V7);
    expect(generated.correlationId).not.toBe(generated.id);
    expect(generated.actorId).toBeUndefined();
  });
});
