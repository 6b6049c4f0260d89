import { EventEmitter2 } from 'eventemitter2';
import { EventBusService } from '../bus/event-bus.service';
import type { EventsModuleOptions } from '../module/events-module.options';
import { resolveBridgesOptions } from './bridges.options';
import { EventEmitterBridge, type BridgedEmitter } from './event-emitter.bridge';
import { WarnOnce } from './warn-once';

function setup(options: EventsModuleOptions['bridges'] & object, busOptions: EventsModuleOptions = {}) {
  const bus = new EventBusService(busOptions);
  const emitter = new EventEmitter2({ wildcard: true });
  const warnings: string[] = [];
  const resolved = resolveBridgesOptions(options).eventEmitter;
  if (!resolved) throw new Error('bridge off');
  const bridge = new EventEmitterBridge(
    bus,
    emitter as unknown as BridgedEmitter,
    resolved,
    new WarnOnce({ warn: (message: unknown) => void warnings.push(String(message)) }),
  );
  bridge.install();
  return { bus, emitter, warnings, bridge };
}

describe('EventEmitterBridge', () => {
  it('records several emitted values as an array, and none as null', async () => {
    const { bus, emitter } = setup({ eventEmitter: true });
    emitter.emit('cart.updated', 'c-1', 3);
    emitter.emit('cart.cleared');
    await emitter.emitAsync('cart.checked-out', { id: 'c-1' });

    expect(bus.history().map((e) => [e.type, e.data])).toEqual([
      ['cart.updated', ['c-1', 3]],
      ['cart.cleared', null],
      ['cart.checked-out', { id: 'c-1' }],
    ]);
  });

  it('returns what the emitter returns and keeps its listeners working', async () => {
    const { emitter } = setup({ eventEmitter: true });
    const seen: unknown[] = [];
    emitter.on('cart.updated', (value: unknown) => seen.push(value));
    emitter.on('cart.priced', async () => 42);

    expect(emitter.emit('cart.updated', 'c-1')).toBe(true);
    expect(emitter.emit('nobody.listens')).toBe(false);
    expect(await emitter.emitAsync('cart.priced')).toEqual([42]);
    expect(seen).toEqual(['c-1']);
  });

  it('never throws into the emitter: a throwing typeOf, an invalid mapped type, strict mode', () => {
    const throwing = setup({
      eventEmitter: {
        typeOf: () => {
          throw new Error('mapper bug');
        },
      },
    });
    expect(() => throwing.emitter.emit('a.b', 1)).not.toThrow();
    expect(throwing.bus.history()).toEqual([]);
    expect(throwing.warnings).toEqual([expect.stringContaining('mapper bug')]);

    const invalid = setup({ eventEmitter: { typeOf: () => 'Not A Type' } });
    expect(() => invalid.emitter.emit('a.b', 1)).not.toThrow();
    expect(invalid.warnings).toEqual([expect.stringContaining('"Not A Type"')]);

    const strict = setup({ eventEmitter: true }, { strict: true });
    expect(() => strict.emitter.emit('undeclared.thing', 1)).not.toThrow();
    expect(() => strict.emitter.emit('undeclared.thing', 2)).not.toThrow();
    expect(strict.bus.history({ type: 'undeclared.thing' })).toEqual([]);
    expect(strict.warnings).toHaveLength(1);
    expect(strict.warnings[0]).toContain('undeclared.thing');
  });

  it('skips names with no type (symbols, wildcard emits) with one warning each', () => {
    const { bus, emitter, warnings } = setup({ eventEmitter: true });
    const name = Symbol('private');
    emitter.emit(name, 1);
    emitter.emit(name, 2);
    emitter.emit('order.*', 3);

    expect(bus.history()).toEqual([]);
    expect(warnings).toHaveLength(2);
  });

  it('lets typeOf keep an event off the bus by returning undefined, without a warning', () => {
    const { bus, emitter, warnings } = setup({
      eventEmitter: { typeOf: (name) => (name === 'noise' ? undefined : 'kept.event') },
    });
    emitter.emit('noise', 1);
    emitter.emit('signal', 2);

    expect(bus.history().map((e) => e.type)).toEqual(['kept.event']);
    expect(warnings).toEqual([]);
  });

  it('stops recording and restores the emitter when uninstalled', () => {
    const { bus, emitter, bridge } = setup({ eventEmitter: { forwardToEventEmitter: true } });
    expect(bus.listenerCount()).toBe(1);
    bridge.uninstall();

    emitter.emit('a.b', 1);
    expect(bus.history()).toEqual([]);
    expect(bus.listenerCount()).toBe(0);
    expect(Object.prototype.hasOwnProperty.call(emitter, 'emit')).toBe(false);
  });
});
