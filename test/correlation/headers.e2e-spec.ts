import { EventBusService, type EventsModuleOptions } from 'nestjs-event-bus';
import { echoApp } from './fixtures/echo.fixture';
import { PLATFORMS, UUID_V7, startHttpApp, type RunningApp } from './support/http-app';
import { rawGet } from './support/raw-http';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const GENERATED = 'a new UUIDv7';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const body = (await response.json()) as {
    correlationId: string | null;
    eventCorrelationId: string;
    eventId: string;
  };
  return { status: response.status, headers: response.headers, body };
}

describe.each(PLATFORMS)('correlation headers on %s', (platform) => {
  describe('with the default options', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, echoApp());
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it.each<[string, Record<string, string>, string]>([
      [
        'x-correlation-id wins over the others',
        { 'x-correlation-id': 'corr-1', 'x-request-id': 'req-1', traceparent: TRACEPARENT },
        'corr-1',
      ],
      ['header names are case-insensitive', { 'X-Correlation-ID': 'corr-2' }, 'corr-2'],
      ['x-request-id comes next', { 'x-request-id': 'req-1', traceparent: TRACEPARENT }, 'req-1'],
      ['then the trace id of traceparent', { traceparent: TRACEPARENT }, TRACE_ID],
      [
        'an invalid x-correlation-id is skipped for x-request-id',
        { 'x-correlation-id': 'a'.repeat(129), 'x-request-id': 'req-2' },
        'req-2',
      ],
      [
        'an invalid x-correlation-id is skipped for traceparent',
        { 'x-correlation-id': 'not valid!', traceparent: TRACEPARENT },
        TRACE_ID,
      ],
      [
        'a malformed traceparent is ignored',
        { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` },
        GENERATED,
      ],
      [
        'x-request-id is used when traceparent is malformed',
        { 'x-request-id': 'req-3', traceparent: 'garbage' },
        'req-3',
      ],
      ['a request without any id gets a new one', {}, GENERATED],
      ['a W3C tracestate alone does not count', { tracestate: 'congo=t61rcWkgMzE' }, GENERATED],
    ])('%s', async (_label, headers, expected) => {
      const { status, headers: response, body } = await get(`${running.url}/echo`, headers);
      expect(status).toBe(200);
      const id = response.get('x-correlation-id');
      if (expected === GENERATED) expect(id).toMatch(UUID_V7);
      else expect(id).toBe(expected);
      expect(body.correlationId).toBe(id);
      expect(body.eventCorrelationId).toBe(id);
    });

    it('gives requests without an id distinct ids', async () => {
      const ids = await Promise.all(
        Array.from({ length: 20 }, async () => (await get(`${running.url}/echo`)).body.correlationId),
      );
      expect(new Set(ids).size).toBe(20);
    });

    it('covers the root route and requests that match no route', async () => {
      expect(
        (await get(`${running.url}/`, { 'x-correlation-id': 'at-root' })).headers.get('x-correlation-id'),
      ).toBe('at-root');
      const missing = await fetch(`${running.url}/no/such/route`, {
        headers: { 'x-correlation-id': 'lost-1' },
      });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-correlation-id')).toBe('lost-1');
    });

    it('rejects a repeated header (Node joins the values with a comma)', async () => {
      const headers = new Headers();
      headers.append('x-correlation-id', 'first');
      headers.append('x-correlation-id', 'second');
      const response = await fetch(`${running.url}/echo`, { headers });
      expect(response.headers.get('x-correlation-id')).toMatch(UUID_V7);
    });

    // Sent byte for byte over a socket, since fetch refuses most of these. Node's HTTP parser may answer 400 by
    // itself; either way the value must never come back, in a header or anywhere in the response.
    it.each<[string, Buffer]>([
      ['129 characters', Buffer.from('a'.repeat(129))],
      ['10,000 characters', Buffer.from('b'.repeat(10_000))],
      ['spaces', Buffer.from('has spaces in it')],
      ['a tab', Buffer.from('tab\there')],
      ['a NUL byte', Buffer.from('nul\u0000byte', 'latin1')],
      ['a control character', Buffer.from('bell\u0007ring', 'latin1')],
      ['DEL', Buffer.from('del\u007fete', 'latin1')],
      ['a bare LF followed by a fake header', Buffer.from('lf-split\nX-Injected: yes', 'latin1')],
      ['UTF-8 non-ASCII', Buffer.from('caf\u00e9-\u00fcber-\u{1F600}', 'utf8')],
      ['latin1 obs-text', Buffer.from('obs\u00e9text', 'latin1')],
      ['a right-to-left override', Buffer.from('user\u202egnp.exe', 'utf8')],
      ['HTML', Buffer.from('<script>alert(1)</script>')],
      ['an encoded CRLF', Buffer.from('id%0d%0aSet-Cookie:%20stolen=1')],
      ['a log-forging JSON fragment', Buffer.from('x","level":"fatal","message":"forged')],
      ['a lookup string', Buffer.from('${jndi:ldap://127.0.0.1/a}')],
      ['a path traversal', Buffer.from('../../../../etc/passwd')],
      ['an empty value', Buffer.from('')],
    ])('never echoes an x-correlation-id with %s', async (_label, value) => {
      const bus = running.app.get(EventBusService);
      const before = bus.history().length;
      const response = await rawGet(running.url, '/echo', [
        Buffer.concat([Buffer.from('X-Correlation-Id: '), value]),
      ]);
      const raw = value.toString('latin1');
      if (response.status === 400) {
        expect(response.headers['x-correlation-id']).toBeUndefined();
        return;
      }
      expect(response.status).toBe(200);
      const echoed = response.headers['x-correlation-id'];
      expect(echoed).toMatch(UUID_V7);
      expect(response.body).toContain(`"correlationId":"${echoed}"`);
      expect(response.headers['x-injected']).toBeUndefined();
      if (raw.length > 0) expect(response.text).not.toContain(raw);
      const recorded = bus.history().slice(before);
      expect(recorded.length).toBeGreaterThan(0);
      expect(recorded.every((event) => event.correlationId === echoed)).toBe(true);
      if (raw.length > 0) expect(JSON.stringify(recorded)).not.toContain(raw);
    });

    it('never takes a malformed id from x-request-id either', async () => {
      const response = await rawGet(running.url, '/echo', [Buffer.from('X-Request-Id: two words')]);
      expect(response.headers['x-correlation-id']).toMatch(UUID_V7);
    });
  });

  describe.each<
    [
      string,
      EventsModuleOptions,
      Record<string, string>,
      (
        headers: Headers,
        body: { correlationId: string | null; eventCorrelationId: string; eventId: string },
      ) => void,
    ]
  >([
    [
      'custom request and response headers',
      { correlation: { headers: ['X-Trace'], responseHeader: 'X-Trace-Echo' } },
      { 'x-correlation-id': 'ignored', 'x-trace': 'traced-1' },
      (headers, body) => {
        expect(headers.get('x-trace-echo')).toBe('traced-1');
        expect(headers.get('x-correlation-id')).toBeNull();
        expect(body.correlationId).toBe('traced-1');
      },
    ],
    [
      'no response header',
      { correlation: { responseHeader: false } },
      { 'x-correlation-id': 'quiet-1' },
      (headers, body) => {
        expect(headers.get('x-correlation-id')).toBeNull();
        expect(body.correlationId).toBe('quiet-1');
      },
    ],
    [
      'a custom id generator',
      { correlation: { generateId: () => 'custom-generated' } },
      {},
      (headers, body) => {
        expect(headers.get('x-correlation-id')).toBe('custom-generated');
        expect(body.eventCorrelationId).toBe('custom-generated');
      },
    ],
    [
      'a custom id generator that returns something unsafe (UUIDv7 instead)',
      { correlation: { generateId: () => 'bad value\r\n' } },
      {},
      (headers) => {
        expect(headers.get('x-correlation-id')).toMatch(UUID_V7);
      },
    ],
    [
      'correlation: false',
      { correlation: false },
      { 'x-correlation-id': 'ignored-1' },
      (headers, body) => {
        expect(headers.get('x-correlation-id')).toBeNull();
        expect(body.correlationId).toBeNull();
        // Outside any context an event is its own story.
        expect(body.eventCorrelationId).toBe(body.eventId);
      },
    ],
  ])('with %s', (_label, options, headers, check) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, echoApp(options));
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('applies the options', async () => {
      const { status, headers: response, body } = await get(`${running.url}/echo`, headers);
      expect(status).toBe(200);
      check(response, body);
    });
  });

  describe('with a global prefix', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, echoApp(), (app) => app.setGlobalPrefix('api'));
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('covers the prefixed routes', async () => {
      for (const path of ['/api', '/api/echo']) {
        const { status, headers, body } = await get(`${running.url}${path}`, {
          'x-correlation-id': `prefixed-${path.length}`,
        });
        expect(status).toBe(200);
        expect(headers.get('x-correlation-id')).toBe(`prefixed-${path.length}`);
        expect(body.eventCorrelationId).toBe(`prefixed-${path.length}`);
      }
    });
  });
});
