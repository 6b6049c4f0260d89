import { randomUUID } from 'node:crypto';
import { EventBusService, HttpRequestCompleted, HttpRequestStarted } from 'nestjs-event-bus';
import {
  OrderConfirmed,
  OrderPlaced,
  Observations,
  ordersApp,
  type ClsSetup,
} from './fixtures/orders.fixture';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app';
import { until } from '../support/wait';

/** [label, the app's own nestjs-cls set-up, concurrent requests]: the two main set-ups at full load. */
const SETUPS: [string, ClsSetup, number][] = [
  ['EventsModule alone', 'none', 1000],
  ['the app mounts ClsMiddleware (ClsModule imported first)', 'middleware-before', 1000],
  ['the app mounts ClsMiddleware (ClsModule imported after EventsModule)', 'middleware-after', 250],
  ['the app mounts ClsGuard', 'guard', 250],
  ['the app mounts ClsInterceptor', 'interceptor', 250],
];
/**
 * The default request events (no `started`, no global guard): the set-ups where that changes the most, at a
 * quarter of the load (the reporter's path is the same as above).
 */
const DEFAULT_SETUPS: [string, ClsSetup, number][] = [
  ['EventsModule alone', 'none', 250],
  ['the app mounts ClsMiddleware (ClsModule imported after EventsModule)', 'middleware-after', 250],
  ['the app mounts ClsGuard', 'guard', 250],
];

interface Reply {
  status: number;
  header: string | null;
  body: {
    note?: string;
    correlationId?: string;
    actorId?: string;
    clsId?: string;
    event: { id: string; correlationId: string; actorId?: string };
  };
}

/** The request events each request's story holds: `started` only when asked for. */
function requestEvents(started: boolean): string[] {
  return started ? [HttpRequestStarted.type, HttpRequestCompleted.type] : [HttpRequestCompleted.type];
}

describe.each(PLATFORMS)('correlation under load on %s', (platform) => {
  describe.each(SETUPS)('%s, with http.request.started on', (_label, setup, requests) => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startHttpApp(
        platform,
        ordersApp(setup, {
          history: { maxEvents: 20_000, debug: true },
          correlation: { httpEvents: { started: true } },
        }),
      );
    });

    afterAll(async () => {
      await running?.app.close();
    });

    it(`keeps ${requests} concurrent requests apart: every event and handler sees its own request's ids`, () =>
      keepsRequestsApart(running, setup, requests, true));
  });

  describe.each(DEFAULT_SETUPS)('%s, with the default request events', (_label, setup, requests) => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startHttpApp(platform, ordersApp(setup));
    });

    afterAll(async () => {
      await running?.app.close();
    });

    it(`keeps ${requests} concurrent requests apart: every event and handler sees its own request's ids`, () =>
      keepsRequestsApart(running, setup, requests, false));
  });
});

async function keepsRequestsApart(
  running: RunningApp,
  setup: ClsSetup,
  requests: number,
  started: boolean,
): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const idOf = (n: number) => `req-${run}-${n}`;
  const replies = await Promise.all(
    Array.from({ length: requests }, async (_, n): Promise<Reply> => {
      const response = await fetch(`${running.url}/orders/${n}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-correlation-id': idOf(n),
          'x-user': `user-${n}`,
        },
        body: JSON.stringify({ note: `note-${n}` }),
      });
      return {
        status: response.status,
        header: response.headers.get('x-correlation-id'),
        body: (await response.json()) as Reply['body'],
      };
    }),
  );
  const bus = running.app.get(EventBusService);
  await bus.drain(10_000);
  // Each request reports its end when its response closes, which may be a moment after the client read it.
  await until(
    () =>
      bus.history({ type: HttpRequestCompleted.type, correlationId: idOf(requests - 1) }).length > 0 &&
      bus
        .history({ type: HttpRequestCompleted.type })
        .filter((e) => e.correlationId.startsWith(`req-${run}-`)).length === requests,
  );

  const clsIds = new Set<string>();
  replies.forEach((reply, n) => {
    expect(reply.status).toBe(201);
    expect(reply.header).toBe(idOf(n));
    expect(reply.body).toMatchObject({
      note: `note-${n}`,
      correlationId: idOf(n),
      actorId: `user-${n}`,
      event: { correlationId: idOf(n), actorId: `user-${n}` },
    });
    if (setup !== 'none') {
      expect(typeof reply.body.clsId).toBe('string');
      clsIds.add(reply.body.clsId!);
    }
  });
  // With the app's own ClsModule, its request id lives in the very store the bus uses: one store per request.
  if (setup !== 'none') expect(clsIds.size).toBe(requests);

  const seen = running.app.get(Observations).seen;
  expect(seen).toHaveLength(requests * 2);
  const crossTalk = seen.filter(
    (o) =>
      o.correlationId !== idOf(o.requestNo) ||
      o.event.correlationId !== idOf(o.requestNo) ||
      o.actorId !== `user-${o.requestNo}` ||
      o.event.actorId !== `user-${o.requestNo}` ||
      o.causationId !== o.event.id ||
      (setup !== 'none' && o.clsId !== replies[o.requestNo].body.clsId),
  );
  expect(crossTalk).toEqual([]);

  for (let n = 0; n < requests; n++) {
    const story = bus.history({ correlationId: idOf(n) });
    const types = story.map((e) => e.type).sort();
    expect(types).toEqual([...requestEvents(started), OrderPlaced.type, OrderConfirmed.type].sort());
    const placed = story.find((e) => e.type === OrderPlaced.type)!;
    const confirmed = story.find((e) => e.type === OrderConfirmed.type)!;
    expect(placed.id).toBe(replies[n].body.event.id);
    expect(placed.causationId).toBeUndefined();
    expect(confirmed.causationId).toBe(placed.id);
    // The actor is set by the route's guard, which runs after "started" is emitted.
    const afterActor = story.filter((e) => e.type !== HttpRequestStarted.type);
    expect(afterActor.every((e) => e.actorId === `user-${n}`)).toBe(true);
    expect(story.every((e) => ((e.data as { requestNo?: number }).requestNo ?? n) === n)).toBe(true);
  }
}
