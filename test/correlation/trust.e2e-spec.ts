import type { IncomingMessage } from 'node:http';
import { EventBusService, type EventsModuleOptions } from 'nestjs-event-bus';
import { CaptureLogger } from '../listeners/support/capture-logger';
import { echoApp } from './fixtures/echo.fixture';
import { PLATFORMS, UUID_V7, startHttpApp, type RunningApp } from './support/http-app';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

interface Echo {
  id: string | null;
  body: { correlationId: string | null; eventCorrelationId: string };
}

async function get(url: string, headers: Record<string, string>): Promise<Echo> {
  const response = await fetch(`${url}/echo`, { headers });
  expect(response.status).toBe(200);
  return {
    id: response.headers.get('x-correlation-id'),
    body: (await response.json()) as Echo['body'],
  };
}

/** The request's id is the client's `expected` one, or, when `expected` is undefined, a fresh UUIDv7. */
function expectId(echo: Echo, expected: string | undefined): void {
  if (expected === undefined) expect(echo.id).toMatch(UUID_V7);
  else expect(echo.id).toBe(expected);
  expect(echo.body.correlationId).toBe(echo.id);
  expect(echo.body.eventCorrelationId).toBe(echo.id);
}

const signedBy = (request: IncomingMessage) => request.headers['x-internal-caller'] === 'gateway';

describe.each(PLATFORMS)('correlation.trustClientIds on %s', (platform) => {
  describe.each<[string, EventsModuleOptions['correlation'], Record<string, string>, string | undefined]>([
    [
      'false: a client id is replaced',
      { trustClientIds: false },
      { 'x-correlation-id': 'mine-1' },
      undefined,
    ],
    [
      'false: a traceparent is not followed either',
      { trustClientIds: false },
      { traceparent: TRACEPARENT },
      undefined,
    ],
    [
      'proxies that do not include the caller: replaced',
      { trustClientIds: { proxies: ['10.0.0.0/8', 'fd00::/8'] } },
      { 'x-correlation-id': 'mine-2' },
      undefined,
    ],
    [
      'proxies that include the caller (loopback): kept',
      { trustClientIds: { proxies: ['127.0.0.0/8', '::1'] } },
      { 'x-correlation-id': 'via-proxy-1' },
      'via-proxy-1',
    ],
    [
      'a check that trusts the request: kept',
      { trustClientIds: signedBy },
      { 'x-correlation-id': 'gateway-1', 'x-internal-caller': 'gateway' },
      'gateway-1',
    ],
    [
      'a check that does not: replaced',
      { trustClientIds: signedBy },
      { 'x-correlation-id': 'forged-1', 'x-internal-caller': 'someone' },
      undefined,
    ],
    ['true (the default): kept', { trustClientIds: true }, { 'x-correlation-id': 'anyone-1' }, 'anyone-1'],
  ])('%s', (_label, correlation, headers, expected) => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startHttpApp(platform, echoApp({ correlation }));
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('gives the request the id the rule allows, echoed and in its events', async () => {
      const echo = await get(running.url, headers);
      expectId(echo, expected);
      if (expected !== undefined) return;
      const recorded = JSON.stringify(running.app.get(EventBusService).history());
      for (const value of Object.values(headers)) expect(recorded).not.toContain(value);
    });

    it('still gives requests without an id distinct fresh ones', async () => {
      const a = await get(running.url, {});
      const b = await get(running.url, {});
      expectId(a, undefined);
      expectId(b, undefined);
      expect(a.id).not.toBe(b.id);
    });
  });

  describe('with a check that throws', () => {
    let running: RunningApp;
    const logger = new CaptureLogger();
    beforeAll(async () => {
      const trustClientIds = () => {
        throw new Error('key store unavailable');
      };
      running = await startHttpApp(platform, echoApp({ correlation: { trustClientIds } }), undefined, logger);
    });
    afterAll(async () => {
      await running?.app.close();
    });

    it('treats the caller as untrusted, answers normally and warns once', async () => {
      expectId(await get(running.url, { 'x-correlation-id': 'risky-1' }), undefined);
      expectId(await get(running.url, { 'x-correlation-id': 'risky-2' }), undefined);
      const warnings = logger.fromBus('warn').filter((line) => line.includes('trustClientIds'));
      expect(warnings).toHaveLength(1);
    });
  });
});
