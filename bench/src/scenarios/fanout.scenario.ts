import { EventEmitter2 } from 'eventemitter2';
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
const LISTENERS = 10;

/** emit -> 10 listeners: 5 on the exact type, 5 on `user.*`. */
export async function fanoutScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'sync');

  const ee2Sink = new Sink();
  const ee2 = new EventEmitter2({ wildcard: true });
  for (let i = 0; i < 5; i++) ee2.on(TYPE, (p: UserCreatedPayload) => ee2Sink.add(p.seq));
  for (let i = 0; i < 5; i++) ee2.on('user.*', (p: UserCreatedPayload) => ee2Sink.add(p.seq));

  const nestEe = await createEventEmitterApp('fanout', { wildcard: true });
  const full = await createOursApp('fanout');
  const lean = await createOursApp('fanout', 'lean');

  const { figures, operations } = await measure(
    [
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

  const expected = (name: string) => operations.get(name)! * LISTENERS;
  ee2Sink.expect(expected('eventemitter2 (wildcard)'), 'fanout10/eventemitter2');
  nestEe.sink.expect(expected(REFERENCE), 'fanout10/@nestjs/event-emitter');
  full.sink.expect(expected('ours-full'), 'fanout10/ours-full');
  lean.sink.expect(expected('ours-lean'), 'fanout10/ours-lean');
  await Promise.all([nestEe.app.close(), full.app.close(), lean.app.close()]);

  return {
    id: 'fanout10',
    title: 'fanout10: emit -> 10 listeners (5 exact, 5 `user.*`)',
    unit: 'ns/op',
    reference: REFERENCE,
    rows: rowsFrom(figures, REFERENCE),
    targets: [
      target(
        'fanout10 ours-full <= 0.35x @nestjs/event-emitter',
        medianRatio(figures, 'ours-full', REFERENCE),
        '<=',
        0.35,
      ),
    ],
    notes: ['@nestjs/event-emitter and eventemitter2 with wildcard on (needed for `user.*`).'],
    procedure: describeProcedure(options),
  };
}
