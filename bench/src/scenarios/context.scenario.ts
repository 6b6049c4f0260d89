import { CORRELATION_KEY, createEventEmitterApp } from '../fixtures/event-emitter.app';
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
const REFERENCE = '@nestjs/event-emitter + nestjs-cls';
const CORRELATION_ID = '0193f1a2-7c4e-7d10-8a3b-5e6f7a8b9c0d';

/** emit -> 1 listener inside an active nestjs-cls context; the listener reads the correlation id. */
export async function contextScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'sync');

  const nestEe = await createEventEmitterApp('context');
  const full = await createOursApp('context');

  const { figures, operations } = await measure(
    [
      {
        name: REFERENCE,
        run: (n) =>
          nestEe.cls.run(() => {
            nestEe.cls.set(CORRELATION_KEY, CORRELATION_ID);
            for (let i = 0; i < n; i++) nestEe.emitter.emit(TYPE, payload(i));
          }),
      },
      {
        name: 'ours-full',
        run: (n) =>
          full.cls.run(() => {
            full.context.setCorrelationId(CORRELATION_ID);
            for (let i = 0; i < n; i++) full.bus.emit(TYPE, payload(i));
          }),
      },
    ],
    options,
  );

  const expected = operations.get('ours-full')!;
  nestEe.sink.expect(operations.get(REFERENCE)!, 'context/@nestjs/event-emitter');
  full.sink.expect(expected, 'context/ours-full');
  if (full.sink.sum !== expected * CORRELATION_ID.length)
    throw new Error('context/ours-full: wrong correlation id.');
  await Promise.all([nestEe.app.close(), full.app.close()]);

  return {
    id: 'context',
    title: 'context: emit -> 1 listener inside ClsService.run(), listener reads the correlation id',
    unit: 'ns/op',
    reference: REFERENCE,
    rows: rowsFrom(figures, REFERENCE),
    targets: [
      target(
        'ours-full in context <= 0.8x @nestjs/event-emitter + nestjs-cls',
        medianRatio(figures, 'ours-full', REFERENCE),
        '<=',
        0.8,
      ),
    ],
    notes: [
      'ours-full listener reads EventContext.correlationId; the other reads cls.get("correlationId"). ' +
        'Each round runs inside one ClsService.run(), as a request handler would.',
    ],
    procedure: describeProcedure(options),
  };
}
