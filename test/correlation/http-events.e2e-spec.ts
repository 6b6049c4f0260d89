import {
  EventBusService,
  HttpRequestCompleted,
  HttpRequestFailed,
  HttpRequestStarted,
  type BusEvent,
} from 'nestjs-event-bus';
import { get } from 'node:http';
import { ApplicationConfig } from '@nestjs/core';
import { httpEventsApp } from './fixtures/http-events.fixture';
import { PLATFORMS, startHttpApp, type RunningApp } from './support/http-app';
import { delay, until } from '../support/wait';

const SECRET_HEADERS = { authorization: 'Bearer header-secret-token', cookie: 'session=cookie-secret' };
const SECRETS = [
  'header-secret-token',
  'cookie-secret',
  'query-secret',
  'body-secret',
  'user-secret-detail',
  'crash-secret-detail',
];

/** A started app, and a way to read back one request's request events. */
interface Reader {
  running: RunningApp;
  bus: EventBusService;
}

/**
 * Sends one request with correlation id `id` (and the secret headers), then waits until its request events number
 * `count`: the end of a request is reported when its response closes, a moment after the client has read it.
 */
async function storyOf(
  { running, bus }: Reader,
  count: number,
  id: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; events: BusEvent[] }> {
  const response = await fetch(`${running.url}${path}`, {
    ...init,
    headers: { ...SECRET_HEADERS, 'x-correlation-id': id, ...(init.headers as Record<string, string>) },
  });
  await response.arrayBuffer();
  const events = () => bus.history({ correlationId: id, type: 'http.request.*' });
  await until(() => events().length >= count);
  return { status: response.status, events: events() };
}

/** Starts a GET of `path` and gives up on it after `afterMs`, as a client that goes away would. */
function abandon(url: string, path: string, id: string, afterMs: number): void {
  const request = get(`${url}${path}`, { headers: { 'x-correlation-id': id } });
  request.on('error', () => undefined);
  setTimeout(() => request.destroy(), afterMs);
}

/** The routes with their expected answer: [label, path, init, status, method, route pattern]. */
const ANSWERED = [
  ['a GET', '/users/42?token=query-secret', {}, 200, 'GET', '/users/:id'],
  [
    'a POST (201)',
    '/users',
    {
      method: 'POST',
      body: JSON.stringify({ name: 'ada', password: 'body-secret' }),
      headers: { 'content-type': 'application/json' },
    },
    201,
    'POST',
    '/users',
  ],
  ['a DELETE with @HttpCode(204)', '/users/7', { method: 'DELETE' }, 204, 'DELETE', '/users/:id'],
] satisfies [string, string, RequestInit, number, string, string][];

/** The routes that fail: [label, path, status, severity]. */
const FAILING = [
  ['an HttpException', '/users/9/missing', 404, 'warning'],
  ['a plain error', '/users/9/crash', 500, 'error'],
] satisfies [string, string, number, string][];

describe.each(PLATFORMS)('request events on %s', (platform) => {
  describe('by default', () => {
    const reader = {} as Reader;
    beforeAll(async () => {
      // strict: the request events are declared by the module, so strict mode accepts them.
      reader.running = await startHttpApp(platform, httpEventsApp({ strict: true }));
      reader.bus = reader.running.app.get(EventBusService);
    });
    afterAll(async () => {
      await reader.running?.app.close();
    });

    it.each(ANSWERED)(
      'reports %s as completed only, with the route pattern, status and duration',
      async (label, path, init, status, method, route) => {
        const id = `default-ok-${label.length}-${method}`;
        const { status: received, events } = await storyOf(reader, 1, id, path, init);
        expect(received).toBe(status);
        expect(events.map((e) => e.type)).toEqual([HttpRequestCompleted.type]);
        const [completed] = events;
        expect(completed.data).toEqual({ method, route, statusCode: status, durationMs: expect.any(Number) });
        expect((completed.data as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
        expect(completed.severity).toBe('info');
        expect([completed.correlationId, completed.causationId]).toEqual([id, undefined]);
        for (const secret of SECRETS) expect(JSON.stringify(events)).not.toContain(secret);
      },
    );

    it.each(FAILING)(
      'reports %s as failed with its status and severity',
      async (_label, path, status, severity) => {
        const id = `default-fail-${status}`;
        const { status: received, events } = await storyOf(reader, 1, id, path);
        expect(received).toBe(status);
        expect(events.map((e) => e.type)).toEqual([HttpRequestFailed.type]);
        expect(events[0].data).toEqual({
          method: 'GET',
          route: `/users/:id/${path.split('/').pop()}`,
          statusCode: status,
          durationMs: expect.any(Number),
        });
        expect(events[0].severity).toBe(severity);
        for (const secret of SECRETS) expect(JSON.stringify(events)).not.toContain(secret);
      },
    );

    it('reports a request a guard turns away as failed with 403', async () => {
      const { status, events } = await storyOf(reader, 1, 'default-guarded', '/users/1/guarded');
      expect(status).toBe(403);
      expect(events.map((e) => [e.type, (e.data as { statusCode?: number }).statusCode])).toEqual([
        [HttpRequestFailed.type, 403],
      ]);
    });

    it('reports a request the client gave up on as failed with severity error, timed until it went', async () => {
      abandon(reader.running.url, '/users/3/slow', 'default-aborted', 100);
      const events = () => reader.bus.history({ correlationId: 'default-aborted', type: 'http.request.*' });
      await until(() => events().length > 0);
      const [failed] = events();
      expect(failed).toMatchObject({
        type: HttpRequestFailed.type,
        severity: 'error',
        data: { method: 'GET', route: '/users/:id/slow', statusCode: expect.any(Number) },
      });
      // Reported when the client went, not when the handler answered (500 ms).
      expect((failed.data as { durationMs: number }).durationMs).toBeLessThan(450);
    });

    it("carries the actor the route's guard set, after the request's own events", async () => {
      const { events } = await storyOf(reader, 1, 'default-actor', '/users/5/audited', {
        headers: { 'x-user': 'grace' },
      });
      expect(events.map((e) => [e.type, e.actorId])).toEqual([[HttpRequestCompleted.type, 'grace']]);
      const types = reader.bus.history({ correlationId: 'default-actor' }).map((e) => e.type);
      expect(types).toEqual(['user.audited', HttpRequestCompleted.type]);
    });

    it('reports nothing for a request that matches no route', async () => {
      const response = await fetch(`${reader.running.url}/nowhere`, {
        headers: { 'x-correlation-id': 'default-no-route' },
      });
      expect(response.status).toBe(404);
      await delay(50);
      expect(reader.bus.history({ correlationId: 'default-no-route' })).toEqual([]);
    });

    it('puts no guard on the request path: the app has no global guard', () => {
      expect(reader.running.app.get(ApplicationConfig).getGlobalGuards()).toEqual([]);
    });
  });

  describe('with correlation.httpEvents: { started: true }', () => {
    let running: RunningApp;
    let bus: EventBusService;
    beforeAll(async () => {
      // strict: the request events are declared by the module, so strict mode accepts them.
      running = await startHttpApp(
        platform,
        httpEventsApp({
          strict: true,
          // started is debug-level: the history keeps it only when asked to.
          history: { debug: true },
          correlation: { httpEvents: { started: true } },
        }),
      );
      bus = running.app.get(EventBusService);
    });
    afterAll(async () => {
      await running?.app.close();
    });

    function story(id: string, path: string, init: RequestInit = {}) {
      return storyOf({ running, bus }, 2, id, path, init);
    }

    it.each(ANSWERED)(
      'reports %s as started then completed, with the route pattern and status only',
      async (label, path, init, status, method, route) => {
        const id = `ok-${label.length}-${method}`;
        const { status: received, events } = await story(id, path, init);
        expect(received).toBe(status);
        expect(events.map((e) => e.type)).toEqual([HttpRequestStarted.type, HttpRequestCompleted.type]);
        const [started, completed] = events;
        expect(started.data).toEqual({ method, route });
        expect(started.severity).toBe('debug');
        expect(completed.data).toEqual({ method, route, statusCode: status, durationMs: expect.any(Number) });
        expect((completed.data as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
        expect(completed.severity).toBe('info');
        expect(events.every((e) => e.correlationId === id && e.causationId === undefined)).toBe(true);
        for (const secret of SECRETS) expect(JSON.stringify(events)).not.toContain(secret);
      },
    );

    it.each(FAILING)(
      'reports %s as failed with its status, never the error message',
      async (_label, path, status, severity) => {
        const id = `fail-${status}`;
        const { status: received, events } = await story(id, path);
        expect(received).toBe(status);
        expect(events.map((e) => e.type)).toEqual([HttpRequestStarted.type, HttpRequestFailed.type]);
        const failed = events[1];
        const route = `/users/:id/${path.split('/').pop()}`;
        expect(failed.data).toEqual({
          method: 'GET',
          route,
          statusCode: status,
          durationMs: expect.any(Number),
        });
        expect(failed.severity).toBe(severity);
        for (const secret of SECRETS) expect(JSON.stringify(events)).not.toContain(secret);
      },
    );

    it('reports a request a guard turns away as failed with 403', async () => {
      const { status, events } = await story('guarded-1', '/users/1/guarded');
      expect(status).toBe(403);
      expect(events.map((e) => [e.type, (e.data as { statusCode?: number }).statusCode])).toEqual([
        [HttpRequestStarted.type, undefined],
        [HttpRequestFailed.type, 403],
      ]);
    });

    it("carries the actor a guard set, and the request's events sit between started and completed", async () => {
      const { events } = await story('with-actor', '/users/5/audited', { headers: { 'x-user': 'grace' } });
      expect(events.map((e) => e.type)).toEqual([HttpRequestStarted.type, HttpRequestCompleted.type]);
      // Global guards run in registration order; the actor is set by the route's own guard, after "started".
      expect(events[1].actorId).toBe('grace');
      const story_ = bus.history({ correlationId: 'with-actor' }).map((e) => e.type);
      expect(story_).toEqual([HttpRequestStarted.type, 'user.audited', HttpRequestCompleted.type]);
    });

    it('reports nothing for a request that matches no route', async () => {
      const response = await fetch(`${running.url}/nowhere`, { headers: { 'x-correlation-id': 'no-route' } });
      expect(response.status).toBe(404);
      await delay(50);
      expect(bus.history({ correlationId: 'no-route' })).toEqual([]);
    });

    it('registers one global guard for it', () => {
      expect(running.app.get(ApplicationConfig).getGlobalGuards()).toHaveLength(1);
    });
  });

  describe('with correlation.httpEvents: false', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, httpEventsApp({ correlation: { httpEvents: false } }));
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('emits no request events but still correlates the request', async () => {
      const response = await fetch(`${running.url}/users/1`, {
        headers: { 'x-correlation-id': 'quiet-events' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-correlation-id')).toBe('quiet-events');
      expect(running.app.get(EventBusService).history({ type: 'http.**' })).toEqual([]);
    });
  });

  describe('with correlation: false', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, httpEventsApp({ correlation: false }));
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('emits no request events and sends no header', async () => {
      const response = await fetch(`${running.url}/users/1`, { headers: { 'x-correlation-id': 'off' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-correlation-id')).toBeNull();
      expect(running.app.get(EventBusService).history({ type: 'http.**' })).toEqual([]);
    });
  });
});
