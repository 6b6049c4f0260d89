import { EventsConfigError } from '../errors/events-config.error';
import { resolveEventsOptions } from '../module/resolve-options';
import { resolveBridgesOptions } from './bridges.options';

describe('resolveBridgesOptions', () => {
  it('is off unless given', () => {
    expect(resolveBridgesOptions(undefined)).toEqual({ eventEmitter: false, cqrs: false });
    expect(resolveEventsOptions({}).bridges).toEqual({ eventEmitter: false, cqrs: false });
  });

  it('applies defaults for true', () => {
    expect(resolveBridgesOptions({ eventEmitter: true, cqrs: true })).toEqual({
      eventEmitter: { forwardToEventEmitter: false, typeOf: undefined },
      cqrs: { typeOf: undefined, commands: false, deadLetters: true },
    });
  });

  it('keeps given values', () => {
    const typeOf = () => 'a.b';
    expect(
      resolveBridgesOptions({
        eventEmitter: { forwardToEventEmitter: true },
        cqrs: { commands: true, typeOf },
      }),
    ).toEqual({
      eventEmitter: { forwardToEventEmitter: true, typeOf: undefined },
      cqrs: { typeOf, commands: true, deadLetters: true },
    });
  });

  it.each([
    [{ eventEmitter: 'yes' }, 'bridges.eventEmitter'],
    [{ eventEmitter: { forwardToEventEmitter: 1 } }, 'bridges.eventEmitter.forwardToEventEmitter'],
    [{ cqrs: { typeOf: 'user' } }, 'bridges.cqrs.typeOf'],
    [{ cqrs: { command: true } }, 'bridges.cqrs.command'],
    [{ kafka: true }, 'bridges.kafka'],
    [[], 'bridges'],
  ])('rejects %p naming %s', (bridges, option) => {
    expect(() => resolveEventsOptions({ bridges: bridges as never })).toThrow(EventsConfigError);
    expect(() => resolveEventsOptions({ bridges: bridges as never })).toThrow(`"${option}"`);
  });
});
