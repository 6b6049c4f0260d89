import { EventBusService } from 'nestjs-event-bus';
import {
  ChainAppModule,
  ChainHandlers,
  ChainStarted,
  ChainStep2,
  ChainStep3,
  ChainStep4,
} from './fixtures/causation.fixture';
import {
  FromWriter,
  IsolationAppModule,
  IsolationHandlers,
  type ContextView,
} from './fixtures/isolation.fixture';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app';

describe.each(PLATFORMS)('causation through handlers on %s', (platform) => {
  describe('a chain four events long', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, ChainAppModule);
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('keeps the request id at every depth and links each event to the one whose handler emitted it', async () => {
      const response = await fetch(`${running.url}/chain`, {
        method: 'POST',
        headers: { 'x-correlation-id': 'chain-1', 'x-user': 'ada' },
      });
      expect(response.status).toBe(201);
      const bus = running.app.get(EventBusService);
      // Each handler stays in flight until it has emitted the next event, so draining waits for the whole chain.
      await bus.drain(5000);

      const story = bus.history({ correlationId: 'chain-1', type: 'chain.*' });
      expect(story.map((e) => e.type)).toEqual([
        ChainStarted.type,
        ChainStep2.type,
        ChainStep3.type,
        ChainStep4.type,
      ]);
      const [started, step2, step3, step4] = story;
      expect(started.causationId).toBeUndefined();
      expect(step2.causationId).toBe(started.id);
      expect(step3.causationId).toBe(step2.id);
      expect(step4.causationId).toBe(step3.id);
      expect(story.every((e) => e.actorId === 'ada')).toBe(true);

      const seen = running.app.get(ChainHandlers).seen.filter((o) => o.event.correlationId === 'chain-1');
      expect(seen.map((o) => o.level)).toEqual([1, 2, 3, 4]);
      for (const observation of seen) {
        expect(observation).toMatchObject({
          correlationId: 'chain-1',
          causationId: observation.event.id,
          actorId: 'ada',
        });
      }
    });

    it('keeps two chains started at the same time apart', async () => {
      await Promise.all(
        ['chain-a', 'chain-b', 'chain-c'].map((id) =>
          fetch(`${running.url}/chain`, {
            method: 'POST',
            headers: { 'x-correlation-id': id, 'x-user': `${id}-user` },
          }),
        ),
      );
      const bus = running.app.get(EventBusService);
      await bus.drain(5000);
      for (const id of ['chain-a', 'chain-b', 'chain-c']) {
        const story = bus.history({ correlationId: id, type: 'chain.*' });
        expect(story).toHaveLength(4);
        for (let i = 1; i < story.length; i++) expect(story[i].causationId).toBe(story[i - 1].id);
        expect(story.every((e) => e.actorId === `${id}-user`)).toBe(true);
      }
    });
  });

  describe("a handler's context writes", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, IsolationAppModule);
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('stay in the handler: neither the emitter nor sibling handlers see them', async () => {
      const response = await fetch(`${running.url}/isolation`, {
        method: 'POST',
        headers: { 'x-correlation-id': 'iso-1', 'x-user': 'alice' },
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as {
        probeId: string;
        asyncProbeId: string;
        afterSync: ContextView;
        afterAsync: ContextView;
      };
      const views = running.app.get(IsolationHandlers).views;
      const request: ContextView = {
        actorId: 'alice',
        correlationId: 'iso-1',
        causationId: undefined,
        leak: undefined,
        tenant: 'tenant-1',
      };

      // The emitter, right after the synchronous handlers ran and after the async ones settled.
      expect(body.afterSync).toEqual(JSON.parse(JSON.stringify(request)));
      expect(body.afterAsync).toEqual(JSON.parse(JSON.stringify(request)));
      // The writer sees its own writes, and so does an event it emits afterwards.
      expect(views.writer).toEqual({
        ...request,
        actorId: 'mallory',
        correlationId: 'rewritten-by-writer',
        causationId: body.probeId,
        leak: 'from-writer',
      });
      const fromWriter = running.app.get(EventBusService).history({ type: FromWriter.type }).at(-1)!;
      expect(fromWriter).toMatchObject({
        correlationId: 'rewritten-by-writer',
        actorId: 'mallory',
        causationId: body.probeId,
      });
      expect(views.childOfWriter).toMatchObject({
        actorId: 'mallory',
        causationId: fromWriter.id,
        leak: 'from-writer',
      });
      // Siblings, synchronous or async, see the request's context with their own causation id.
      expect(views.sibling).toEqual({ ...request, causationId: body.probeId });
      expect(views.asyncWriter).toEqual({
        ...request,
        actorId: 'eve',
        causationId: body.asyncProbeId,
        leak: 'from-async-writer',
      });
      expect(views.asyncSibling).toEqual({ ...request, causationId: body.asyncProbeId });
    });
  });
});
