import { EventsConfigError } from '../errors/events-config.error';
import { defineEvent } from '../event/event-definition';
import { busOptionsOf } from './bus.options';
import { EventBusService } from './event-bus.service';
import { InProcessTransport } from './in-process.transport';

describe('transport options', () => {
  it('keeps a remote transport and treats the in-process one as none', () => {
    const remote = { name: 'x', remote: true, publish: jest.fn(), consume: jest.fn(), close: jest.fn() };
    expect(busOptionsOf({ transport: remote }).transport).toBe(remote);
    expect(busOptionsOf({ transport: new InProcessTransport() }).transport).toBeUndefined();
    expect(busOptionsOf({}).transport).toBeUndefined();
  });

  it('refuses something that is not a transport, saying what is expected', () => {
    expect(() => busOptionsOf({ transport: { publish: () => undefined } as never })).toThrow(
      EventsConfigError,
    );
    expect(() => busOptionsOf({ transport: 'redis' as never })).toThrow(/expected an EventTransport/);
  });

  it('takes types, patterns and definitions in `distributed`, and names a bad entry', () => {
    const Paid = defineEvent('order.paid');
    expect(busOptionsOf({ distributed: ['shop.**', Paid] }).distributed).toEqual(['shop.**', 'order.paid']);
    expect(() => busOptionsOf({ distributed: ['ok.*', ''] })).toThrow(/distributed\[1\]/);
    expect(() => busOptionsOf({ distributed: 'shop.*' as never })).toThrow(EventsConfigError);
  });

  it('refuses a listener `local` option that is not a boolean', () => {
    const bus = new EventBusService();
    expect(() => bus.on('a.b', () => undefined, { local: 'yes' as never })).toThrow(
      /Invalid listener option "local": expected true or false/,
    );
  });

  it('rejects replay() on a bus without a remote transport, saying what it needs', async () => {
    const bus = new EventBusService();
    await expect(bus.replay({ from: new Date(0) })).rejects.toThrow(/needs a remote transport/);
  });

  it('handles a distributed event like any other without a remote transport', async () => {
    const Placed = defineEvent<{ id: string }>('order.placed', { distributed: true });
    const bus = new EventBusService();
    const seen: string[] = [];
    bus.on(Placed, (e) => void seen.push(`remote:${e.data.id}`));
    bus.on(Placed, (e) => void seen.push(`local:${e.data.id}`), { local: true });
    const result = await bus.emitAsync(Placed, { id: '1' });
    expect(seen).toEqual(['remote:1', 'local:1']);
    expect(result.published).toBeUndefined();
  });
});
