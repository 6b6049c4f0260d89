import { createOursApp, type OursApp } from '../fixtures/ours.app';
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
const SIZES = [1, 100, 1000] as const;

/**
 * Patterns that never match `user.created`: exact types, single-segment wildcards, and `**` patterns that
 * share the `user` prefix, so a matcher that scanned them per emit would have real work to do.
 */
function otherPattern(i: number): string {
  switch (i % 3) {
    case 0:
      return `noise.e${i}.created`;
    case 1:
      return `noise.w${i}.*`;
    default:
      return `user.created.x${i}.**`;
  }
}

/** emit -> 1 listener, with 1, 100 and 1,000 other patterns registered on the same bus. */
export async function wildcardScenario(settings: RunSettings): Promise<ScenarioResult> {
  const options = harnessOptions(settings, 'sync');

  const apps = new Map<number, OursApp>();
  for (const size of SIZES) {
    const app = await createOursApp('single');
    for (let i = 0; i < size; i++) app.bus.on(otherPattern(i), () => undefined);
    apps.set(size, app);
  }
  const name = (size: number) =>
    `ours-full, ${size.toLocaleString('en-US')} other pattern${size === 1 ? '' : 's'}`;

  const { figures, operations } = await measure(
    SIZES.map((size) => {
      const bus = apps.get(size)!.bus;
      return {
        name: name(size),
        run: (n: number) => {
          for (let i = 0; i < n; i++) bus.emit(TYPE, payload(i));
        },
      };
    }),
    options,
  );

  for (const [size, app] of apps) app.sink.expect(operations.get(name(size))!, `wildcard/${size}`);
  await Promise.all([...apps.values()].map((app) => app.app.close()));

  return {
    id: 'wildcard',
    title: 'wildcard scaling: emit -> 1 listener with other patterns registered',
    unit: 'ns/op',
    reference: name(1),
    rows: rowsFrom(figures, name(1)),
    targets: [
      target('1,000 patterns <= 1.2x one pattern', medianRatio(figures, name(1000), name(1)), '<=', 1.2),
    ],
    notes: ['Other patterns: a third exact types, a third `noise.wN.*`, a third `user.created.xN.**`.'],
    procedure: describeProcedure(options),
  };
}
