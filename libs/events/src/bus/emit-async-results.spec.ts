import { defineEvent } from '../event/event-definition';
import type { HandlerResult } from './bus.interfaces';
import { EventBusService } from './event-bus.service';

const Quote = defineEvent<{ sku: string }>('price.quoted');

describe('emitAsync(..., { results: true })', () => {
  it('lists what each successful handler returned, sync and async, in the order they finished', async () => {
    const bus = new EventBusService({ history: false });
    bus.on(
      Quote,
      async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { sku: event.data.sku, price: 12 };
      },
      { name: 'slow' },
    );
    bus.on(Quote, () => 'sync answer', { name: 'fast' });
    bus.on(
      Quote,
      () => {
        throw new Error('no price');
      },
      { name: 'broken' },
    );

    const result = await bus.emitAsync(Quote, { sku: 'A-1' }, { results: true });

    const results: HandlerResult[] | undefined = result.results;
    expect(results).toEqual([
      { handler: 'fast', value: 'sync answer' },
      { handler: 'slow', value: { sku: 'A-1', price: 12 } },
    ]);
    expect(result.handled).toBe(3);
    expect(result.failed.map((f) => f.handler)).toEqual(['broken']);
  });

  it('gives the value of the attempt that succeeded after retries', async () => {
    const bus = new EventBusService({ history: false });
    let tries = 0;
    bus.on(
      Quote,
      () => {
        if (++tries < 2) throw new Error('flaky');
        return tries;
      },
      { name: 'flaky', retry: { attempts: 3, backoffMs: 1, jitter: 0 } },
    );
    const { results } = await bus.emitAsync(Quote, { sku: 'B' }, { results: true });
    expect(results).toEqual([{ handler: 'flaky', value: 2 }]);
  });

  it('leaves results out unless asked for, and is an empty list with no handlers', async () => {
    const bus = new EventBusService({ history: false });
    bus.on(Quote, () => 1);
    expect((await bus.emitAsync(Quote, { sku: 'C' })).results).toBeUndefined();
    expect((await bus.emitAsync('nobody.listens', {}, { results: true })).results).toEqual([]);
  });
});

describe('emitAsync() with one async handler', () => {
  const flakyAsync = (failures: number) => {
    let tries = 0;
    return async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (++tries <= failures) throw new Error(`try ${tries}`);
      return tries;
    };
  };
  const retry = { attempts: 3, backoffMs: 1, jitter: 0 };

  it('resolves once the handler settled, with its value, the attempt after retries included', async () => {
    const bus = new EventBusService({ history: false });
    bus.on(Quote, flakyAsync(1), { name: 'flaky', retry });
    const after: number[] = [];
    bus.use({ after: (_, result) => void after.push(result.handled) });
    const result = await bus.emitAsync(Quote, { sku: 'D' }, { results: true });
    expect(result).toMatchObject({ handled: 1, failed: [], results: [{ handler: 'flaky', value: 2 }] });
    expect(after).toEqual([1]);
  });

  it('resolves with the failure once the last attempt failed, never rejecting', async () => {
    const bus = new EventBusService({ history: false });
    bus.on(Quote, flakyAsync(5), { name: 'broken', retry });
    const result = await bus.emitAsync(Quote, { sku: 'E' });
    expect(result.failed).toEqual([{ handler: 'broken', error: expect.any(Error), attempts: 3 }]);
    expect(bus.deadLetters()).toHaveLength(1);
  });
});
