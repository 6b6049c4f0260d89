import type { INestApplication } from '@nestjs/common';
import { ContextIdFactory, type ContextIdStrategy } from '@nestjs/core';
import { EventBusService, type BusEvent } from 'nestjs-event-bus';
import { EventRecorder } from 'nestjs-event-bus/testing';
import { PLATFORMS, startHttpApp } from '../correlation/support/http-app';
import {
  InheritAppModule,
  OrderNoted,
  Sightings,
  TenantAppModule,
  TenantPinged,
  TenantStrategy,
} from './fixtures/request-scope.fixture';

describe.each(PLATFORMS)('request-scoped listeners with inheritRequestContextId (%s)', (platform) => {
  let app: INestApplication;
  let url: string;
  let sightings: Sightings;

  beforeEach(async () => {
    ({ app, url } = await startHttpApp(platform, InheritAppModule));
    sightings = app.get(Sightings);
  });
  afterEach(() => app.close());

  const post = (path: string) =>
    fetch(`${url}/${path}`, { method: 'POST', headers: { 'x-test': `${path}-call` } });

  it('share the request-scoped instances of the request that emitted, with the HTTP request as REQUEST', async () => {
    const response = await post('scoped');
    const { controllerStateId } = (await response.json()) as { controllerStateId: number };

    expect(sightings.inherited).toEqual([
      expect.objectContaining({ stateId: controllerStateId, requestIsHttp: true, header: 'scoped-call' }),
    ]);
    // Without the option, a listener gets a context (and a RequestState) of its own, with { event } as REQUEST.
    expect(sightings.separate).toHaveLength(1);
    expect(sightings.separate[0].stateId).not.toBe(controllerStateId);
    expect(sightings.separate[0].request).toEqual({
      event: expect.objectContaining({ type: 'order.noted' }),
    });
  });

  it('share one context across the events of a request whose route made none, and not across requests', async () => {
    await post('plain');
    await app.get(EventBusService).drain();
    await post('plain');
    await app.get(EventBusService).drain();

    const [first, second, third, fourth] = sightings.inherited;
    expect(sightings.inherited).toHaveLength(4);
    expect([first.requestIsHttp, second.requestIsHttp, first.header]).toEqual([true, true, 'plain-call']);
    expect(second.stateId).toBe(first.stateId);
    expect(fourth.stateId).toBe(third.stateId);
    expect(third.stateId).not.toBe(first.stateId);
    // The listeners without the option built a RequestState per event.
    expect(new Set(sightings.separate.map((s) => s.stateId)).size).toBe(4);
  });

  it('outside any request, resolve in a context of their own per event, with { event } as REQUEST', async () => {
    const bus = app.get(EventBusService);
    const first = await bus.emitAsync(OrderNoted, { note: 'from a job' });
    const second = await bus.emitAsync(OrderNoted, { note: 'from a job' });

    expect(sightings.inherited.map((s) => [s.requestIsHttp, s.header])).toEqual([
      [false, first.event.id],
      [false, second.event.id],
    ]);
    expect(sightings.inherited[0].stateId).not.toBe(sightings.inherited[1].stateId);
  });
});

describe('request-scoped listeners with a context-id strategy and durable providers', () => {
  const strategy = new TenantStrategy();
  let app: INestApplication;
  let url: string;

  beforeAll(() => ContextIdFactory.apply(strategy));
  // The strategy is process-wide state of @nestjs/core: put the default (none) back for the other suites.
  afterAll(() => ContextIdFactory.apply(undefined as unknown as ContextIdStrategy));

  beforeEach(async () => {
    strategy.seen.length = 0;
    ({ app, url } = await startHttpApp('express', TenantAppModule));
  });
  afterEach(() => app.close());

  const ping = (tenant: string) => fetch(`${url}/ping`, { method: 'POST', headers: { 'x-tenant': tenant } });

  it('give the strategy { event } for every event, as the request it attaches a context to', async () => {
    const events = EventRecorder.attach(app);
    await ping('acme');
    await ping('globex');

    const pings = events.events(TenantPinged).map((e) => e.id);
    const attachedTo = strategy.seen
      .map((request) => (request as { event?: BusEvent }).event)
      .filter((event) => event !== undefined);
    // One context per event and listener: two request-scoped listeners, two events.
    expect(attachedTo.map((event) => event.id)).toEqual([pings[0], pings[0], pings[1], pings[1]]);
    expect(attachedTo[0].metadata).toEqual({ tenant: 'acme' });
  });

  it('build a durable listener once per durable context (tenant), with the payload as REQUEST', async () => {
    for (const tenant of ['acme', 'acme', 'globex', 'acme', 'globex']) await ping(tenant);
    const { durable } = app.get(Sightings);

    expect(durable.map((d) => d.tenant)).toEqual(['acme', 'acme', 'globex', 'acme', 'globex']);
    const acme = durable.filter((d) => d.tenant === 'acme').map((d) => d.instance);
    const globex = durable.filter((d) => d.tenant === 'globex').map((d) => d.instance);
    expect(new Set(acme).size).toBe(1);
    expect(new Set(globex).size).toBe(1);
    expect(acme[0]).not.toBe(globex[0]);
    expect(durable[0].request).toEqual({ tenant: 'acme' });
  });

  it('build a non-durable one anew for every event, with { event } and the payload as REQUEST', async () => {
    for (const tenant of ['acme', 'acme', 'globex']) await ping(tenant);
    const { perEvent } = app.get(Sightings);

    expect(new Set(perEvent.map((p) => p.instance)).size).toBe(3);
    expect(perEvent[0].request).toEqual({
      event: expect.objectContaining({ type: 'tenant.pinged' }),
      tenant: 'acme',
    });
  });
});
