import { childStore } from '../context/child-store';
import type { EventContextStore } from '../context/context.keys';
import type { EmitResult, HandlerFailure } from './bus.interfaces';
import type { Pipeline } from './pipeline';

/** The handler name a transport gives a dead letter for an entry that was never settled (it killed its process). */
export const EVERY_HANDLER = '*';

/**
 * Delivers a dead letter's event again to the one handler that failed it (with its retry policy), or, for an
 * entry a transport dead-lettered whole, to every handler that takes it from the transport. The dead letter is
 * removed first; if the handler fails again, a new one is recorded.
 */
export async function replayDeadLetter(
  stages: Pipeline,
  id: string,
  parent: EventContextStore | null,
): Promise<EmitResult> {
  const letter = stages.deadLetters.get(id);
  if (!letter) throw new Error(`No dead letter with id "${id}" (it may have been replayed or evicted).`);
  const { event } = letter;
  if (letter.handler === EVERY_HANDLER) {
    stages.deadLetters.remove(id);
    const { inbound } = stages.routes.routeFor(event.type);
    return stages.dispatcher.dispatchInbound(event, inbound, undefined, false);
  }
  const entry =
    stages.failures.replayTarget(letter) ??
    stages.registry.all().find((e) => e.name === letter.handler && e.matches(event.type));
  if (!entry) {
    throw new Error(
      `Cannot replay dead letter "${id}": handler "${letter.handler}" is no longer subscribed to "${event.type}".`,
    );
  }
  stages.deadLetters.remove(id);
  const failure = await new Promise<HandlerFailure | undefined>((settled) => {
    const store = entry.ownContext ? childStore(parent, event) : null;
    stages.runner.attemptIn(store, entry, event, 1, { settled });
  });
  return { event, handled: 1, failed: failure ? [failure] : [] };
}
