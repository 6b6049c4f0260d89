import type { ScenarioResult, TargetResult } from '../scenario';
import { REDIS_URL } from './shared-redis';

/** The result of a Redis scenario when the shared Redis does not answer: its targets read "not measured". */
export function notMeasured(id: string, title: string, targets: readonly TargetResult[]): ScenarioResult {
  return {
    id,
    title,
    unit: '',
    rows: [],
    targets,
    notes: [`Redis at ${REDIS_URL} did not answer PING: nothing was measured.`],
    procedure: 'Not run.',
  };
}
