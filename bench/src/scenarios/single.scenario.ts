import { EventEmitter } from 'node:events';
import { EventEmitter2 } from 'eventemitter2';
import { createCqrsApp, UserCreatedEvent } from '../fixtures/cqrs.app';
import { createEventEmitterApp } from '../fixtures/event-emitter.app';
import { createOursApp } from '../fixtures/ours.app';
import { measure, medianRatio, Sink, type UserCreatedPayload } from '../harness';
import {
  payload,
  rowsFrom,
  target,
  type RunSettings,
  type ScenarioResult,
  describeProcedure,
  harnessOptions,
} from '../scenario';

const TYPE = 'user.created';
const REFERENCE = '@nestjs/event-emitter';

/** emit -> 1 listener, outside any request context. */
export async function singleScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'sync');

  const nodeSink = new Sink();
  const node = new EventEmitter();
  node.on(TYPE, (p: UserCreatedPayload) => nodeSink.add(p.seq));

  const ee2Sink = new Sink();
  const ee2 = new EventEmitter2({ wildcard: true });
  ee2.on(TYPE, (p: UserCreatedPayload) => ee2Sink.add(p.seq));

  const nestEe = await createEventEmitterApp('single');
  const cqrs = await createCqrsApp();
  const full = await createOursApp('single');
  const lean = await createOursApp('single', 'lean');

  const { figures, operations } = await measure(
    [
      {
        name: 'node:events',
        run: (n) => {
          for (let i = 0; i < n; i++) node.emit(TYPE, payload(i));
        },
      },
      {
        name: 'eventemitter2 (wildcard)',
        run: (n) => {
          for (let i = 0; i < n; i++) ee2.emit(TYPE, payload(i));
        },
      },
      {
        name: REFERENCE,
        run: (n) => {
          for (let i = 0; i < n; i++) nestEe.emitter.emit(TYPE, payload(i));
        },
      },
      {
        name: '@nestjs/cqrs',
        run: (n) => {
          for (let i = 0; i < n; i++) cqrs.eventBus.publish(new UserCreatedEvent('user-1', i));
        },
      },
      {
        name: 'ours-full',
        run: (n) => {
          for (let i = 0; i < n; i++) full.bus.emit(TYPE, payload(i));
        },
      },
      {
        name: 'ours-lean',
        run: (n) => {
          for (let i = 0; i < n; i++) lean.bus.emit(TYPE, payload(i));
        },
      },
    ],
    options,
  );

  const expected = (name: string) => operations.get(name)!;
  nodeSink.expect(expected('node:events'), 'single/node:events');
  ee2Sink.expect(expected('eventemitter2 (wildcard)'), 'single/eventemitter2');
  nestEe.sink.expect(expected(REFERENCE), 'single/@nestjs/event-emitter');
  cqrs.sink.expect(expected('@nestjs/cqrs'), 'single/@nestjs/cqrs');
  full.sink.expect(expected('ours-full'), 'single/ours-full');
  lean.sink.expect(expected('ours-lean'), 'single/ours-lean');
  await Promise.all([nestEe.app.close(), cqrs.app.close(), full.app.close(), lean.app.close()]);

  return {
    id: 'single',
    title: 'single: emit -> 1 listener (no request context)',
    unit: 'ns/op',
    reference: REFERENCE,
    rows: rowsFrom(figures, REFERENCE),
    targets: [
      target(
        'ours-full single <= 0.8x @nestjs/event-emitter',
        medianRatio(figures, 'ours-full', REFERENCE),
        '<=',
        0.8,
      ),
      target(
        'ours-lean single <= 1.2x eventemitter2',
        medianRatio(figures, 'ours-lean', 'eventemitter2 (wildcard)'),
        '<=',
        1.2,
      ),
      target(
        '@nestjs/cqrs >= 8x slower than ours-full',
        medianRatio(figures, '@nestjs/cqrs', 'ours-full'),
        '>=',
        8,
      ),
    ],
    notes: [
      'ours-full: history at its defaults and metrics on; every handler in its own child CLS context. ' +
        'ours-lean: history and metrics off.',
      '@nestjs/event-emitter with its defaults (wildcard off); eventemitter2 with wildcard on.',
    ],
    procedure: describeProcedure(options),
  };
}
