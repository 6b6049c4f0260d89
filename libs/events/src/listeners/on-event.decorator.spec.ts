import 'reflect-metadata';
import { defineEvent } from '../event/event-definition';
import { ON_EVENT_METADATA, OnEvent, type OnEventMetadata } from './on-event.decorator';

const Paid = defineEvent<{ id: string }>('invoice.paid');

function metadataOf(method: unknown): OnEventMetadata[] | undefined {
  return Reflect.getMetadata(ON_EVENT_METADATA, method as object) as OnEventMetadata[] | undefined;
}

describe('@OnEvent', () => {
  it('records stacked decorators top-down, as written, each with its patterns and options', () => {
    class Listener {
      @OnEvent(Paid, { priority: 5 })
      @OnEvent(['invoice.voided', 'credit-note.*'], { name: 'voids' })
      handle(): void {}
    }

    expect(metadataOf(Listener.prototype.handle)).toEqual([
      { patterns: [Paid], options: { priority: 5 } },
      { patterns: ['invoice.voided', 'credit-note.*'], options: { name: 'voids' } },
    ]);
  });

  it('copies the array it is given, so later changes to it do not leak in', () => {
    const patterns = ['a.b'];
    class Listener {
      @OnEvent(patterns)
      handle(): void {}
    }
    patterns.push('c.d');
    expect(metadataOf(Listener.prototype.handle)?.[0].patterns).toEqual(['a.b']);
  });

  it('rejects an empty array', () => {
    expect(() => OnEvent([])).toThrow('needs at least one event type');
  });

  it('rejects a static method, which discovery would never see', () => {
    expect(() => {
      class Listener {
        @OnEvent('a.b')
        static handle(): void {}
      }
      return Listener;
    }).toThrow('cannot decorate the static method Listener.handle');
  });

  it('rejects anything but a method', () => {
    const decorate = OnEvent('a.b') as unknown as (
      target: object,
      key: string,
      descriptor?: PropertyDescriptor,
    ) => void;
    expect(() => decorate({}, 'field', { value: 42 })).toThrow('can only decorate methods');
    expect(() => decorate({}, 'field', undefined)).toThrow('can only decorate methods');
  });
});
