import {
  EventBusService,
  HttpRequestCompleted,
  HttpRequestFailed,
  HttpRequestStarted,
  type BusEvent,
} from 'nestjs-event-bus';
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

describe.each(PLATFORMS)('request events on %s', (platform) => {
  describe('by default', () => {
    let running: RunningApp;
    let bus: EventBusService;
    beforeAll(async () => {
      // strict: the request events are declared by the module, so strict mode accepts them.
      running = await startHttpApp(platform, httpEventsApp({ strict: true }));
      bus = running.app.get(EventBusService);
    });
    afterAll(async () => {
      await running?.app.close();
    });

    async function story(
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
      // The end of a request is reported when its response closes, a moment after the client has read it.
      await until(() => events().length >= 2);
      return { status: response.status, events: events() };
    }

    it.each<[string, string, RequestInit, number, string, string]>([
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
    ])(
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

    it.each<[string, string, number, string]>([
      ['an HttpException', '/users/9/missing', 404, 'warning'],
      ['a plain error', '/users/9/crash', 500, 'error'],
    ])(
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
