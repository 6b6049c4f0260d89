import { CommandBus, EventBus } from '@nestjs/cqrs';
import { EventContext, HandlerFailed, type EventsModuleOptions } from 'nestjs-event-bus';
import { guardEachTest } from '../listeners/support/process-guard';
import {
  BanNotifier,
  UserRegisteredEvent,
  UserTimeline,
  WelcomeMailHandler,
  usersAppWithBus,
} from './fixtures/users-cqrs.fixture';
import { post, startBridgeApp, type StartedBridgeApp } from './support/bridge-app';

async function start(options: EventsModuleOptions): Promise<StartedBridgeApp> {
  return startBridgeApp(usersAppWithBus(options));
}

describe('bridges.cqrs: an existing @nestjs/cqrs app adds EventsModule', () => {
  let started: StartedBridgeApp | undefined;

  guardEachTest(async () => {
    await started?.app.close();
    started = undefined;
  });

  it("records an aggregate's events (mergeObjectContext + commit) with the request's correlation id", async () => {
    started = await start({ bridges: { cqrs: true } });
    const { app, url, bus, events } = started;

    const response = await post(`${url}/users`, { name: 'Ada' }, 'req-users-1');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 'u-1' });
    await events.flush();

    const recorded = bus.history({ type: 'user.registered' });
    expect(recorded).toEqual([
      expect.objectContaining({
        type: 'user.registered',
        correlationId: 'req-users-1',
        data: { userId: 'u-1', name: 'Ada', registeredAt: '2026-05-06T07:08:09.000Z' },
        metadata: { bridge: 'cqrs', eventClass: 'UserRegisteredEvent' },
      }),
    ]);
    // The @EventsHandler still gets the instance itself, once, in the request's context.
    const welcome = app.get(WelcomeMailHandler);
    expect(welcome.handled).toHaveLength(1);
    expect(welcome.handled[0].event).toBeInstanceOf(UserRegisteredEvent);
    expect(welcome.handled[0].correlationId).toBe('req-users-1');
    // And our own listeners see it too.
    expect(app.get(UserTimeline).events).toEqual(recorded);
  });

  it('uses a static type property when the event class has one', async () => {
    started = await start({ bridges: { cqrs: true } });
    const { url, bus, events } = started;

    expect((await post(`${url}/users/close`, { userId: 'u-9' }, 'req-close-1')).status).toBe(204);
    await events.flush();

    expect(bus.history({ type: 'account.closed' })).toEqual([
      expect.objectContaining({ correlationId: 'req-close-1', data: { userId: 'u-9' } }),
    ]);
  });

  it('maps types with typeOf when given', async () => {
    started = await start({
      bridges: { cqrs: { typeOf: (event) => `legacy.${event.constructor.name.toLowerCase()}` } },
    });
    const { url, bus, events } = started;

    await post(`${url}/users`, { name: 'Grace' }, 'req-typeof-1');
    await events.flush();

    expect(bus.history({ type: 'legacy.*' }).map((e) => e.type)).toEqual(['legacy.userregisteredevent']);
    expect(bus.history({ type: 'user.registered' })).toEqual([]);
  });

  it('announces command executions with name and duration when commands is on', async () => {
    // command.execution.started is debug-level: the history keeps it only when asked to.
    started = await start({ history: { debug: true }, bridges: { cqrs: { commands: true } } });
    const { url, bus, events } = started;

    expect((await post(`${url}/users`, { name: 'Linus' }, 'req-cmd-1')).status).toBe(201);
    expect((await post(`${url}/users`, { name: '' }, 'req-cmd-2')).status).toBe(500);
    await events.flush();

    // (The correlation middleware adds http.request.* events to the same story; not the subject here.)
    const first = bus.history({ correlationId: 'req-cmd-1' }).filter((e) => !e.type.startsWith('http.'));
    expect(first.map((e) => e.type)).toEqual([
      'command.execution.started',
      'user.registered',
      'command.execution.completed',
    ]);
    const [started1, , completed] = first;
    expect(started1.data).toEqual({ command: 'RegisterUserCommand' });
    expect(completed.data).toEqual({
      executionId: started1.id,
      command: 'RegisterUserCommand',
      durationMs: expect.any(Number),
    });
    expect((completed.data as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);

    const failed = bus.history({ type: 'command.execution.failed' });
    expect(failed).toEqual([
      expect.objectContaining({
        correlationId: 'req-cmd-2',
        severity: 'error',
        data: {
          executionId: expect.any(String),
          command: 'RegisterUserCommand',
          durationMs: expect.any(Number),
          error: 'a user needs a name',
          errorName: 'Error',
        },
      }),
    ]);
    expect(bus.history({ type: 'command.execution.completed', correlationId: 'req-cmd-2' })).toEqual([]);
  });

  it('redacts secrets the command error quotes before command.execution.failed carries it (report F4)', async () => {
    started = await start({ bridges: { cqrs: { commands: true } } });
    const { url, bus, events } = started;
    expect((await post(`${url}/users`, { name: 'password=hunter2' }, 'req-cmd-3')).status).toBe(500);
    await events.flush();
    const [failed] = bus.history({ type: 'command.execution.failed' });
    expect((failed.data as { error: string }).error).toBe('cannot register password=[REDACTED]');
  });

  it('emits no command events unless commands is on', async () => {
    started = await start({ bridges: { cqrs: true } });
    const { url, bus, events } = started;

    await post(`${url}/users`, { name: 'Barbara' }, 'req-nocmd-1');
    await events.flush();

    expect(bus.history({ type: 'command.**' })).toEqual([]);
    expect(bus.history({ type: 'user.registered' })).toHaveLength(1);
  });

  it('turns a failing @EventsHandler into a dead letter and an event.handler.failed event', async () => {
    started = await start({ bridges: { cqrs: true } });
    const { app, url, bus, events } = started;

    const failedEvent = bus.waitFor(HandlerFailed, { timeoutMs: 5000 });
    expect((await post(`${url}/users/ban`, { userId: 'u-3' }, 'req-ban-1')).status).toBe(202);
    const announced = await failedEvent;
    await events.flush();

    expect(app.get(BanNotifier).calls).toBe(1);
    const [banned] = bus.history({ type: 'user.banned' });
    expect(banned).toMatchObject({ correlationId: 'req-ban-1', data: { userId: 'u-3', reason: 'spam' } });

    const letters = bus.deadLetters({ type: 'user.banned' });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      event: banned,
      handler: '@EventsHandler(UserBannedEvent)',
      attempts: 1,
      error: { name: 'Error', message: 'notification service is down' },
    });
    expect(letters[0].error.stack).toContain('BanNotifier');
    expect(announced).toMatchObject({
      correlationId: 'req-ban-1',
      causationId: banned.id,
      data: {
        deadLetterId: letters[0].id,
        eventType: 'user.banned',
        handler: '@EventsHandler(UserBannedEvent)',
      },
    });
    expect(bus.stats().deadLetters).toBe(1);
  });

  it('leaves the CommandBus as it was after the app closes', async () => {
    started = await start({ bridges: { cqrs: { commands: true } } });
    const commandBus = started.app.get(CommandBus);
    expect(Object.prototype.hasOwnProperty.call(commandBus, 'execute')).toBe(true);
    await started.app.close();
    started = undefined;
    expect(Object.prototype.hasOwnProperty.call(commandBus, 'execute')).toBe(false);
  });

  it('publishing outside a request: the event gets the correlation of EventContext.run', async () => {
    started = await start({ bridges: { cqrs: true } });
    const { app, bus, events } = started;
    const cqrsBus = app.get(EventBus);

    app.get(EventContext).run(() => cqrsBus.publish(new UserRegisteredEvent('u-5', 'Edsger', new Date(0))), {
      correlationId: 'job-42',
    });
    await events.flush();

    expect(bus.history({ type: 'user.registered' })).toEqual([
      expect.objectContaining({ correlationId: 'job-42', data: expect.objectContaining({ userId: 'u-5' }) }),
    ]);
  });
});
