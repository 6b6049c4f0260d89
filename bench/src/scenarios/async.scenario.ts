import { createEventEmitterApp } from '../fixtures/event-emitter.app';
import { createOursApp } from '../fixtures/ours.app';
import { measure, medianRatio } from '../harness';
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

/** await emitAsync() -> 1 async listener. */
export async function asyncScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'async');

  const nestEe = await createEventEmitterApp('async');
  const full = await createOursApp('async');
  const lean = await createOursApp('async', 'lean');

  const { figures, operations } = await measure(
    [
      {
        name: REFERENCE,
        run: async (n) => {
          for (let i = 0; i < n; i++) await nestEe.emitter.emitAsync(TYPE, payload(i));
        },
      },
      {
        name: 'ours-full',
        run: async (n) => {
          for (let i = 0; i < n; i++) await full.bus.emitAsync(TYPE, payload(i));
        },
      },
      {
        name: 'ours-lean',
        run: async (n) => {
          for (let i = 0; i < n; i++) await lean.bus.emitAsync(TYPE, payload(i));
        },
      },
    ],
    options,
  );

  nestEe.sink.expect(operations.get(REFERENCE)!, 'async/@nestjs/event-emitter');
  full.sink.expect(operations.get('ours-full')!, 'async/ours-full');
  lean.sink.expect(operations.get('ours-lean')!, 'async/ours-lean');
  await Promise.all([nestEe.app.close(), full.app.close(), lean.app.close()]);

  return {
    id: 'async',
    title: 'async: await emitAsync() -> 1 async listener',
    unit: 'ns/op',
    reference: REFERENCE,
    rows: rowsFrom(figures, REFERENCE),
    targets: [
      target(
        'ours-full emitAsync <= 1.1x @nestjs/event-emitter emitAsync',
        medianRatio(figures, 'ours-full', REFERENCE),
        '<=',
        1.1,
      ),
    ],
    notes: [
      'ours-full: history at its defaults and metrics on; ours-lean: both off. nestjs-cls is loaded (its ' +
        'promise hooks slow every await, as in real apps).',
    ],
    procedure: describeProcedure(options),
  };
}
