import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { EventTrace, TraceEvent } from 'nestjs-event-bus';
import { launchChromium, testOutputDir } from '../support/chromium';
import { until } from '../support/wait';
import { READER, startTwoServices, type TwoServices } from './support/two-services';

function flatten(nodes: TraceEvent[]): TraceEvent[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

describe('the timeline page in headless Chromium (a story of two services)', () => {
  const output = testOutputDir('trace-page');
  let services: TwoServices;
  let browser: Browser;
  let page: Page;
  let trace: EventTrace;
  const errors: string[] = [];

  beforeAll(async () => {
    services = await startTwoServices();
    const correlationId = await services.placeOrder('o-page');
    await until(async () => {
      trace = await services.traces.trace(correlationId);
      return flatten(trace.roots).some((e) => e.handlers.some((h) => h.handler === 'Mailer.receipt'));
    }, 15_000);
    await until(async () => {
      trace = await services.traces.trace(correlationId);
      return flatten(trace.roots).some((e) => e.type === 'event.handler.failed');
    }, 15_000);
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1400, height: 700 },
      // The test guard's header; a real app's guard reads its session or the page's bearer token form.
      extraHTTPHeaders: { 'x-reader': READER },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${services.url}/events/trace/${correlationId}/page`);
    await page.locator('svg g.event').first().waitFor();
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await services?.close();
  });

  it('draws every event of the story, in a lane per service', async () => {
    const events = flatten(trace.roots);
    const drawn = await page
      .locator('g.event')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-event-id')));
    expect(drawn.sort()).toEqual(events.map((e) => e.id).sort());
    const lanes = await page
      .locator('g.lane')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-source')));
    expect(lanes).toEqual(expect.arrayContaining(['shop-api', 'shop-worker']));
    const workerEvents = await page
      .locator('g.lane[data-source="shop-worker"] g.event')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-type')));
    expect(workerEvents).toEqual(expect.arrayContaining(['payment.captured', 'event.handler.failed']));
  });

  it('draws every handler with a bar per attempt, coloured by outcome', async () => {
    const expected = flatten(trace.roots).flatMap((e) =>
      e.handlers.map((h) => `${e.id} ${h.handler} ${h.attemptLog.map((a) => a.outcome).join(',')}`),
    );
    const drawn = await page.locator('g.handler').evaluateAll((nodes) =>
      nodes.map((node) => {
        const outcomes = [...node.querySelectorAll('rect.attempt')].map((r) =>
          r.getAttribute('data-outcome'),
        );
        return `${node.getAttribute('data-event-id')} ${node.getAttribute('data-handler')} ${outcomes.join(',')}`;
      }),
    );
    expect(drawn.sort()).toEqual(expected.sort());
    expect(drawn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ Billing\.charge retried,success$/),
        expect.stringMatching(/ Shipping\.reserve retried,dead-letter$/),
        expect.stringMatching(/ OrderLog\.remember success$/),
      ]),
    );
    // Each bar is painted in its outcome's colour.
    const fill = await page
      .locator('g.handler[data-handler="Shipping.reserve"] rect[data-outcome="dead-letter"]')
      .evaluate(
        (node) =>
          (globalThis as unknown as { getComputedStyle(n: unknown): { fill: string } }).getComputedStyle(node)
            .fill,
      );
    expect(fill).toBe('rgb(209, 52, 56)');
  });

  it('draws a causation arrow from each event to those its handlers emitted', async () => {
    const expected = flatten(trace.roots)
      .filter((e) => e.causationId !== undefined && flatten(trace.roots).some((p) => p.id === e.causationId))
      .map((e) => `${e.causationId}>${e.id}`);
    const arrows = await page
      .locator('path.causation')
      .evaluateAll((nodes) =>
        nodes.map((node) => `${node.getAttribute('data-from')}>${node.getAttribute('data-to')}`),
      );
    expect(arrows.sort()).toEqual(expected.sort());
    expect(arrows.length).toBeGreaterThan(0);
  });

  it('shows an event’s details on click, its secrets redacted', async () => {
    await page.locator('g.event[data-type="order.placed"]').click();
    const details = page.locator('#details');
    await details.waitFor();
    expect(await details.locator('h2').textContent()).toBe('order.placed');
    const text = (await details.textContent()) ?? '';
    expect(text).toContain('"cardToken": "[REDACTED]"');
    expect(text).toContain('shop-api');
    expect(await page.content()).not.toContain('tok_live_secret_4242');
  });

  it('shows an attempt’s details on click: where it ran, and the dead letter', async () => {
    await page.locator('g.handler[data-handler="Shipping.reserve"] rect[data-outcome="dead-letter"]').click();
    const text = (await page.locator('#details').textContent()) ?? '';
    expect(text).toContain('Shipping.reserve');
    expect(text).toContain('attempt2 of 2');
    expect(text).toContain('shop-worker');
    expect(text).toContain('Error: no stock in any warehouse');
    const shot = join(output, 'trace-timeline.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('runs without a script error (the content security policy lets its own script run)', () => {
    expect(errors).toEqual([]);
  });
});
