// Type-level tests: `npx tsc -p tsconfig.json --noEmit` fails if any `@ts-expect-error` below stops erroring
// (an unused directive is an error) or if a line meant to compile does not. The runtime parts run under Jest.
import { z } from 'zod';
import { EventValidationError } from '../errors/event-validation.error';
import type { BusEvent } from '../event/bus-event.interface';
import { defineEvent, type EventData, type EventInput } from '../event/event-definition';
import { OnEvent } from '../listeners/on-event.decorator';
import type { EmitResult } from './bus.interfaces';
import { EventBusService } from './event-bus.service';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const UserCreated = defineEvent('user.created', {
  schema: z.object({ id: z.string(), plan: z.enum(['free', 'pro']).default('free') }),
});
type UserCreatedData = { id: string; plan: 'free' | 'pro' };
const Ping = defineEvent<{ at: number }>('system.ping');
const Tick = defineEvent('clock.tick');

describe('EventBusService types', () => {
  const bus = new EventBusService({ history: false });

  it('infers the payload type from a zod schema (output for handlers, input for emit)', () => {
    assertType<Equal<EventData<typeof UserCreated>, UserCreatedData>>();
    assertType<Equal<EventInput<typeof UserCreated>, { id: string; plan?: 'free' | 'pro' | undefined }>>();
    const event = bus.emit(UserCreated, { id: 'u1' });
    assertType<Equal<typeof event, BusEvent<UserCreatedData>>>();
    expect(event.data).toEqual({ id: 'u1', plan: 'free' });

    // @ts-expect-error id must be a string
    expect(() => bus.emit(UserCreated, { id: 1 })).toThrow(EventValidationError);
    // @ts-expect-error plan must be one of the enum values
    expect(() => bus.emit(UserCreated, { id: 'u1', plan: 'gold' })).toThrow(EventValidationError);
    // @ts-expect-error the payload is required
    expect(() => bus.emit(UserCreated)).toThrow(EventValidationError);
  });

  it('takes the payload type from a type parameter', () => {
    assertType<Equal<EventData<typeof Ping>, { at: number }>>();
    // @ts-expect-error the checker itself tells types apart
    assertType<Equal<EventData<typeof Ping>, { at: number | string }>>();
    const event = bus.emit(Ping, { at: 1 });
    assertType<Equal<typeof event, BusEvent<{ at: number }>>>();
    expect(event.data.at).toBe(1);

    // @ts-expect-error at must be a number
    bus.emit(Ping, { at: 'now' });
    // @ts-expect-error the payload is required
    bus.emit(Ping);
    // @ts-expect-error unknown field in the payload
    bus.emit(Ping, { at: 1, extra: true });
    // A definition without a payload type needs no payload, and takes none.
    expect(bus.emit(Tick).data).toBeNull();
    void bus.emitAsync(Tick, undefined, { severity: 'debug' });
    // @ts-expect-error a payload-less definition takes no payload
    bus.emit(Tick, { at: 1 });
  });

  it('types string emits by their type parameter', () => {
    const event = bus.emit<{ n: number }>('a.b', { n: 1 });
    assertType<Equal<typeof event, BusEvent<{ n: number }>>>();
    // @ts-expect-error n must be a number
    bus.emit<{ n: number }>('a.b', { n: 'one' });
    expect(event.data.n).toBe(1);
  });

  it('types handlers of on(), once() and waitFor() by the definition', async () => {
    const seen: string[] = [];
    bus.on(UserCreated, (event) => {
      assertType<Equal<typeof event.data, UserCreatedData>>();
      seen.push(event.data.plan);
      // @ts-expect-error no such field on the payload
      seen.push(event.data.email);
    });
    bus.once(Ping, (event) => {
      // @ts-expect-error `at` is a number
      const at: string = event.data.at;
      seen.push(String(at));
    });
    // @ts-expect-error the handler expects another payload
    bus.on(Ping, (event: BusEvent<{ at: string }>) => void seen.push(event.data.at));
    bus.on(Ping, (event: BusEvent<{ at: number }>) => void seen.push(String(event.data.at)));
    bus.on(UserCreated, () => undefined, {
      // @ts-expect-error filters see the typed payload too
      filter: (event) => event.data.missing === true,
    });

    const waiting = bus.waitFor(Ping, { filter: (event) => event.data.at > 1 });
    bus.emit(Ping, { at: 2 });
    const pinged = await waiting;
    assertType<Equal<typeof pinged, BusEvent<{ at: number }>>>();
    expect(pinged.data.at).toBe(2);
    const result = await bus.emitAsync(UserCreated, { id: 'u2', plan: 'pro' });
    assertType<Equal<typeof result, EmitResult<UserCreatedData>>>();
    expect(result.event.data.plan).toBe('pro');
    expect(seen).toContain('pro');
  });

  it('checks the parameter type of an @OnEvent(definition) method', () => {
    class Listeners {
      @OnEvent(UserCreated)
      welcome(event: BusEvent<UserCreatedData>): string {
        return event.data.id;
      }

      @OnEvent(Ping)
      wider(event: BusEvent<{ at: number | string }>): void {
        void event;
      }

      // @ts-expect-error the method expects a payload the definition does not carry
      @OnEvent(Ping)
      wrong(event: BusEvent<{ at: string }>): void {
        void event;
      }

      // @ts-expect-error a field the payload does not have
      @OnEvent(UserCreated)
      missing(event: BusEvent<{ email: string }>): void {
        void event;
      }
    }
    expect(new Listeners().welcome({ data: { id: 'u1' } } as BusEvent<UserCreatedData>)).toBe('u1');
  });
});
